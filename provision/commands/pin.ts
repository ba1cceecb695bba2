/**
 * `linkdest pin HOST SNAPSHOT [--note TEXT]` and `linkdest unpin HOST SNAPSHOT`: keep a
 * snapshot outside the host's retention rules, or let them apply again. The work is the
 * runtime's (runtime/ops/pin.ts); the note is checked here too, so a bad one fails before
 * connecting, with the same one-line message.
 */
import type { Command } from 'commander';
import { formatPin } from '../../runtime/ops/format.ts';
import type { PinOutcome } from '../../runtime/ops/pin.ts';
import { NOTE_MAX, checkNote } from '../../runtime/pins.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntimeJson } from '../ops/remote.ts';

export interface PinOptions { inventory: string; note?: string; json?: boolean; debug?: boolean }

export async function runPin(host: string, snapshot: string, o: PinOptions, deps: HostCommandDeps = {}): Promise<PinOutcome> {
  const note = checkNote(o.note);
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const p = await callRuntimeJson<PinOutcome>(t, loc, 'pin', note === undefined ? [] : [`--note=${note}`], [snapshot], true);
    write(o.json ? `${JSON.stringify({ host, ...p }, null, 2)}\n` : formatPin(p));
    return p;
  });
}

export async function runUnpin(host: string, snapshot: string, o: PinOptions, deps: HostCommandDeps = {}): Promise<PinOutcome> {
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const p = await callRuntimeJson<PinOutcome>(t, loc, 'unpin', [], [snapshot], true);
    write(o.json ? `${JSON.stringify({ host, ...p }, null, 2)}\n` : formatPin(p));
    return p;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('pin').description('keep a snapshot of one host: never pruned by space, inodes or thinning'))
    .argument('<host>', 'inventory host name')
    .argument('<snapshot>', 'snapshot name (YYYY-MM-DD_HH-MM-SS, see linkdest snapshots HOST) or latest')
    .option('--note <text>', `why it is kept, one line (at most ${NOTE_MAX} characters)`)
    .option('--json', 'one JSON document')
    .action(async (host: string, snapshot: string, o: PinOptions) => {
      await runPin(host, snapshot, { ...o, debug: debugOf(program) });
    });
  addInventoryOption(program.command('unpin').description('let the retention rules apply to a pinned snapshot again'))
    .argument('<host>', 'inventory host name')
    .argument('<snapshot>', 'snapshot name (YYYY-MM-DD_HH-MM-SS) or latest')
    .option('--json', 'one JSON document')
    .action(async (host: string, snapshot: string, o: PinOptions) => {
      await runUnpin(host, snapshot, { ...o, debug: debugOf(program) });
    });
}
