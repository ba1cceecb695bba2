/** `linkdest history HOST PATH`: the distinct versions of a file or directory across the snapshots. */
import type { Command } from 'commander';
import { formatHistory } from '../../runtime/ops/format.ts';
import type { HistoryReport } from '../../runtime/ops/history-command.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntimeJson } from '../ops/remote.ts';

export interface HistoryOptions { inventory: string; json?: boolean; debug?: boolean }

export async function runHistory(host: string, path: string, o: HistoryOptions, deps: HostCommandDeps = {}): Promise<HistoryReport> {
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const h = await callRuntimeJson<HistoryReport>(t, loc, 'history', [], [path]);
    write(o.json ? `${JSON.stringify({ host, ...h }, null, 2)}\n` : formatHistory(h));
    return h;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('history').description('the distinct versions of one file or directory across the snapshots'))
    .argument('<host>', 'inventory host name')
    .argument('<path>', 'absolute path on the host, as it was backed up (e.g. /Apps/db/app.conf)')
    .option('--json', 'one JSON document')
    .action(async (host: string, path: string, o: HistoryOptions) => {
      await runHistory(host, path, { ...o, debug: debugOf(program) });
    });
}
