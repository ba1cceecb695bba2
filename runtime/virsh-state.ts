/**
 * Pure reading of `LC_ALL=C virsh domstate DOMAIN`. The English state names below are
 * libvirt's C-locale strings (virshDomainStateToString); with any other locale virsh
 * translates them, which is how the seed's Spanish grep broke. Never parse without LC_ALL=C.
 */

export type DomainState =
  | 'running' | 'idle' | 'paused' | 'in shutdown' | 'shut off' | 'crashed' | 'pmsuspended' | 'no state';

const KNOWN: readonly DomainState[] = ['running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended', 'no state'];

/** "running\n\n" or "shut off (shutdown)" (with --reason) -> the state; undefined if unknown. */
export function parseDomstate(stdout: string): DomainState | undefined {
  const first = stdout.split('\n').map((l) => l.trim()).find(Boolean);
  if (first === undefined) return undefined;
  const state = first.replace(/\s*\(.*\)$/, '');
  return (KNOWN as readonly string[]).includes(state) ? (state as DomainState) : undefined;
}

/**
 * States in which the guest has a live memory image and may still write to its disks:
 * these must reach "shut off" before the backup copies them.
 */
export function isActive(state: DomainState): boolean {
  return state !== 'shut off' && state !== 'crashed';
}

/**
 * States in which the guest runs no instructions, so its disks do not change while it
 * stays there, and in which a shutdown request cannot work (the guest cannot act on ACPI
 * until resumed). The admin chose that state; the run leaves it alone.
 */
export function isFrozen(state: DomainState): boolean {
  return state === 'paused' || state === 'pmsuspended';
}
