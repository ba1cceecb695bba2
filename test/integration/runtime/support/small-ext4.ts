/**
 * A small, real ext4 "backup disk" mounted in a private tmp dir, sized so that a handful
 * of snapshots fill it: a sparse image on its own loop device, `mkfs.ext4 -m 0` (root's
 * reserved blocks would hide the shortage from a root run) and a chosen inode count.
 * Unlike runtime-periphery/support/loop-disk.ts (a 64 MiB unmounted disk for the guard),
 * this one stays mounted for the test and takes the size and inode count.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../../runtime/exec.ts';

export interface SmallExt4 {
  /** The mount point, holding the marker file `.linkdest-backup`. */
  mnt: string;
  device: string;
  remove(): Promise<void>;
}

async function must(argv: string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** `inodeSize` 128 makes an ext4 that stores whole-second timestamps only. */
export async function makeSmallExt4(opts: { mib: number; inodes?: number; inodeSize?: 128 | 256 }): Promise<SmallExt4> {
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-ext4-'));
  const mnt = join(dir, 'mnt');
  await must(['mkdir', mnt]);
  const image = join(dir, 'disk.img');
  let device = '';
  const remove = async (): Promise<void> => {
    await run(['umount', mnt]);
    if (device) await run(['losetup', '-d', device]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await must(['truncate', '-s', `${opts.mib}M`, image]);
    device = await must(['losetup', '--find', '--show', image]);
    await must(['mkfs.ext4', '-q', '-F', '-m', '0', '-b', '4096', ...(opts.inodes ? ['-N', String(opts.inodes)] : []), ...(opts.inodeSize ? ['-I', String(opts.inodeSize)] : []), device]);
    await must(['mount', device, mnt]);
    await writeFile(join(mnt, '.linkdest-backup'), '');
  } catch (e) {
    await remove();
    throw e;
  }
  return { mnt, device, remove };
}
