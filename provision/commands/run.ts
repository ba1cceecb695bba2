/**
 * `linkdest run HOST... [--wait]`: start a backup run now on each host. With --wait, follow
 * each run's log and exit with the worst result (runtime codes: 0 ok, 2 warnings, 1 failed,
 * 75 locked).
 */
import type { Command } from 'commander';
import { EXIT } from '../../runtime/errors.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { followRun, startRun } from '../ops/run-remote.ts';

export interface RunCliOptions { inventory: string; wait?: boolean; debug?: boolean }

/** Worst first: failed, locked, warnings, ok. */
export function worstExit(codes: readonly number[]): number {
  const rank = (c: number): number => (c === EXIT.ok ? 0 : c === EXIT.pendingOrWarnings ? 1 : c === EXIT.locked ? 2 : 3);
  return codes.reduce((w, c) => (rank(c) > rank(w) ? c : w), EXIT.ok);
}

export async function runNow(hosts: string[], o: RunCliOptions, deps: HostCommandDeps & { pollMs?: number } = {}): Promise<number> {
  const codes = await Promise.all(hosts.map((host) => onHost(o, host, deps, async ({ t, loc, write }) => {
    const s = await startRun(t, loc, o.wait === true);
    if (!o.wait) {
      write(`${host}: run started (follow it with: linkdest logs ${host})\n`);
      return EXIT.ok;
    }
    const code = await followRun(t, loc, s, { write, ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}) });
    write(`${host}: run ended with exit code ${code}\n`);
    return code;
  }).catch((e: Error & { exitCode?: number; oneLine?: () => string }) => {
    process.stderr.write(`linkdest: ${e.oneLine ? e.oneLine() : `${host}: ${e.message}`}\n`);
    return e.exitCode ?? EXIT.error;
  })));
  return worstExit(codes);
}

export function register(program: Command): void {
  addInventoryOption(program.command('run').description('start a backup run now (with --wait: follow its log, exit with its result)'))
    .argument('<hosts...>', 'inventory host names')
    .option('--wait', 'follow the run\'s log and exit with its result')
    .action(async (hosts: string[], o: RunCliOptions) => {
      process.exitCode = await runNow(hosts, { ...o, debug: debugOf(program) });
    });
}
