/**
 * Whether automount units can work in the test bed's hosts: the machine's kernel has autofs
 * and /dev/autofs exists, to be bound into each systemd host (the probe of
 * `grep -qw autofs /proc/filesystems && test -e /dev/autofs`). Kernels differ from machine
 * to machine; nothing is bound that is not there.
 */
import { existsSync, readFileSync } from 'node:fs';

function kernelHasAutofs(): boolean {
  try {
    return /(^|\s)autofs(\s|$)/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

export function machineHasAutofs(): boolean {
  return autofsUnavailable() === undefined;
}

/** Why automount units cannot run in the hosts here, one line; undefined when they can. */
export function autofsUnavailable(): string | undefined {
  if (!kernelHasAutofs()) return 'the kernel has no autofs (not in /proc/filesystems)';
  if (!existsSync('/dev/autofs')) return 'this machine has no /dev/autofs';
  return undefined;
}
