/**
 * Pure reading of `LC_ALL=C virsh -c URI list --all --name`: one domain name per line,
 * running and shut off alike, then a blank line. Names are taken verbatim (libvirt allows
 * spaces in them, and the inventory must name the domain exactly as virsh does).
 */

/** Which libvirt domains the host has, as the VM question needs it. */
export type VmListing =
  | { kind: 'no-virsh' }
  | { kind: 'listed'; names: string[] }
  | { kind: 'failed'; reason: string };

export function parseVirshNames(stdout: string): string[] {
  const names = stdout.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  return [...new Set(names)];
}

/** virsh's `error: ...` lines as one line; its first line alone ("failed to connect to the hypervisor") says too little. */
export function virshFailure(stderr: string, code: number): string {
  const errors = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => l.replace(/^error:\s*/, ''));
  return errors.length > 0 ? errors.join(': ') : `virsh exited with ${code}`;
}

export function virshListing(r: { code: number; stdout: string; stderr: string }): VmListing {
  return r.code === 0 ? { kind: 'listed', names: parseVirshNames(r.stdout) } : { kind: 'failed', reason: virshFailure(r.stderr, r.code) };
}
