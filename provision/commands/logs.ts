/** `linkdest logs HOST [--run ID] [--list]`: the log of the last (or a given) run on a host. */
import type { Command } from 'commander';
import { formatRuns } from '../../runtime/ops/format.ts';
import type { RunSummary } from '../../runtime/ops/run-logs.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntime, callRuntimeJson, runtimeFailure } from '../ops/remote.ts';

export interface LogsOptions { inventory: string; run?: string; list?: boolean; json?: boolean; debug?: boolean }

export async function runLogs(host: string, o: LogsOptions, deps: HostCommandDeps = {}): Promise<number> {
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    if (o.list) {
      const l = await callRuntimeJson<{ dir: string; runs: RunSummary[] }>(t, loc, 'logs', ['--list']);
      write(o.json ? `${JSON.stringify({ host, ...l }, null, 2)}\n` : formatRuns(l.runs));
      return 0;
    }
    const args = [...(o.run !== undefined ? [`--run=${o.run}`] : []), ...(o.json ? ['--json'] : [])];
    const r = await callRuntime(t, loc, 'logs', args);
    if (r.code !== 0) throw runtimeFailure(host, 'logs', r, loc);
    write(r.stdout);
    return 0;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('logs').description('the log of the last run on a host (or of --run ID)'))
    .argument('<host>', 'inventory host name')
    .option('--run <id>', 'a run id from --list (its start time, YYYY-MM-DD_HH-MM-SS)')
    .option('--list', 'list the runs with their results')
    .option('--json', 'one JSON document')
    .action(async (host: string, o: LogsOptions) => {
      process.exitCode = await runLogs(host, { ...o, debug: debugOf(program) });
    });
}
