/**
 * `linkdest accept HOST SNAPSHOT`: the admin's word that a suspect snapshot's shrink (a
 * source that lost more than `shrink.max_pct`, or came up empty) was meant, so that snapshot
 * counts as good again and pruning resumes. The work is the runtime's (runtime/ops/accept.ts).
 */
import type { Command } from 'commander';
import type { AcceptOutcome } from '../../runtime/ops/accept.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntimeJson } from '../ops/remote.ts';

export interface AcceptOptions { inventory: string; json?: boolean; debug?: boolean }

export async function runAccept(host: string, snapshot: string, o: AcceptOptions, deps: HostCommandDeps = {}): Promise<AcceptOutcome> {
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const a = await callRuntimeJson<AcceptOutcome>(t, loc, 'accept', [], [snapshot], true);
    write(o.json ? `${JSON.stringify({ host, ...a }, null, 2)}\n`
      : `${a.snapshot}: ${a.changed ? 'accepted, counts as a good snapshot from now on' : 'already accepted'}\n`);
    return a;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('accept').description('count a suspect snapshot of one host as good: its source shrank on purpose'))
    .argument('<host>', 'inventory host name')
    .argument('<snapshot>', 'snapshot name (YYYY-MM-DD_HH-MM-SS, see linkdest snapshots HOST) or latest')
    .option('--json', 'one JSON document')
    .action(async (host: string, snapshot: string, o: AcceptOptions) => {
      await runAccept(host, snapshot, { ...o, debug: debugOf(program) });
    });
}
