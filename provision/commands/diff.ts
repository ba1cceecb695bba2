/** `linkdest diff HOST A B [PATH]`: files added, removed and changed between two snapshots. */
import type { Command } from 'commander';
import { formatDiff } from '../../runtime/ops/diff.ts';
import type { DiffReport } from '../../runtime/ops/history-command.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntimeJson } from '../ops/remote.ts';

export interface DiffOptions { inventory: string; json?: boolean; debug?: boolean }

export async function runDiff(host: string, a: string, b: string, path: string | undefined, o: DiffOptions, deps: HostCommandDeps = {}): Promise<DiffReport> {
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const d = await callRuntimeJson<DiffReport>(t, loc, 'diff', [], path === undefined ? [a, b] : [a, b, path]);
    write(o.json ? `${JSON.stringify({ host, ...d }, null, 2)}\n` : formatDiff(d, d.from, d.to));
    return d;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('diff').description('files added (+), removed (-) and changed (M) between two snapshots'))
    .argument('<host>', 'inventory host name')
    .argument('<from>', 'older snapshot, YYYY-MM-DD_HH-MM-SS')
    .argument('<to>', 'newer snapshot, or latest')
    .argument('[path]', 'only below this path on the host')
    .option('--json', 'one JSON document')
    .action(async (host: string, a: string, b: string, path: string | undefined, o: DiffOptions) => {
      await runDiff(host, a, b, path, { ...o, debug: debugOf(program) });
    });
}
