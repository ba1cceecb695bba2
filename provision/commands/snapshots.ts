/** `linkdest snapshots HOST`: the host's complete snapshots with date, space added, files and result. */
import type { Command } from 'commander';
import { formatSnapshots } from '../../runtime/ops/format.ts';
import type { SnapshotRow } from '../../runtime/ops/overview.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntimeJson } from '../ops/remote.ts';

export interface SnapshotsOptions { inventory: string; json?: boolean; debug?: boolean }

export async function runSnapshots(host: string, o: SnapshotsOptions, deps: HostCommandDeps = {}): Promise<number> {
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const s = await callRuntimeJson<{ rows: SnapshotRow[]; partials: string[] }>(t, loc, 'snapshots', []);
    write(o.json ? `${JSON.stringify({ host, ...s }, null, 2)}\n` : formatSnapshots(s.rows, s.partials));
    return 0;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('snapshots').description('list the snapshots of one host: date, space added, files, result'))
    .argument('<host>', 'inventory host name')
    .option('--json', 'one JSON document')
    .action(async (host: string, o: SnapshotsOptions) => {
      process.exitCode = await runSnapshots(host, { ...o, debug: debugOf(program) });
    });
}
