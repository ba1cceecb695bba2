/**
 * Names of everything a VM run creates on the machine carry the owner's pid
 * (`/tmp/linkdest-vm-<pid>-*`, netns `ldvm-<pid>-*`). A run killed with -9 cannot clean up;
 * the next run removes what belongs to dead pids. Live runs' leftovers are never touched.
 */
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../testbed/run.ts';

export const TMP_PREFIX = `linkdest-vm-${process.pid}-`;
export const NETNS_PREFIX = `ldvm-${process.pid}-`;

function ownerDead(name: string, prefix: string): boolean {
  const m = new RegExp(`^${prefix}(\\d+)-`).exec(name);
  if (!m) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function removeStaleVmLeftovers(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  for (const name of stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    if (ownerDead(name, 'ldvm-')) await run('ip', ['netns', 'delete', name], { allowFail: true });
  }
  for (const name of await readdir(tmpdir())) {
    if (ownerDead(name, 'linkdest-vm-')) await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}
