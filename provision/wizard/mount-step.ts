/**
 * How the wizard's entry mounts the disk. Nothing is asked: the host decides what it can run
 * (mount-kind.ts). An unset `mount` stays unset (the plan chooses from the facts each time);
 * one set on the host or inherited from `defaults:` is kept when the host can run it and
 * replaced, saying so, by the best kind it can run when not. So the entry never asks for a
 * kind the host cannot do, and the plan that follows cannot refuse it.
 */
import { automountUnavailable, decideMount, possibleMountKinds, type MountHostFacts, type MountKind } from '../mount-kind.ts';

const KINDS: readonly MountKind[] = ['automount', 'static', 'fstab'];
const isKind = (v: unknown): v is MountKind => typeof v === 'string' && (KINDS as readonly string[]).includes(v);

export interface EntryMount {
  /** The host entry's `mount:`; undefined: leave it unset. */
  mount?: MountKind;
  /** For the "Found on" summary: which kind the host will get, and why. */
  line: string;
}

const WHAT: Record<MountKind, string> = {
  automount: 'automount (mounted on access)',
  static: 'static mount unit (mounted at boot)',
  fstab: 'fstab line (mounted for each run)',
};

/** `own`: the host's `mount:` as written; `inherited`: the one from `defaults:`. */
export function entryMount(own: unknown, inherited: unknown, host: MountHostFacts): EntryMount {
  const set = isKind(own) ? own : isKind(inherited) ? inherited : undefined;
  if (set === undefined) {
    const kind = possibleMountKinds(host)[0]!;
    const why = kind === 'fstab' ? 'no systemd' : kind === 'static' ? `no automount: ${automountUnavailable(host)}` : 'systemd and autofs are there';
    return { line: `mount:   ${WHAT[kind]}, as the host allows (${why})` };
  }
  const decided = decideMount(set, host);
  if (decided.ok) return { ...(isKind(own) && { mount: own }), line: `mount:   ${WHAT[set]}, as the inventory says` };
  const best = possibleMountKinds(host)[0]!;
  return { mount: best, line: `mount:   ${WHAT[best]} instead of ${set} (${decided.error.split(';')[0]!.replace(/^mount: /, '')})` };
}
