/** A real ext4 "USB disk": a sparse image on a loop device, removed again by `remove()`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../../runtime/exec.ts';

export interface LoopDisk {
  device: string;
  dir: string;
  remove(): Promise<void>;
}

async function must(argv: string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** `files` are created on the new filesystem (e.g. the marker); uses a mount in a tmp dir. */
export async function makeLoopDisk(files: string[]): Promise<LoopDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-loop-'));
  const image = join(dir, 'disk.img');
  await must(['truncate', '-s', '64M', image]);
  const device = await must(['losetup', '--find', '--show', image]);
  const remove = async (): Promise<void> => {
    await run(['umount', join(dir, 'prep')]);
    await run(['losetup', '-d', device]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await must(['mkfs.ext4', '-q', '-F', device]);
    if (files.length > 0) {
      const prep = join(dir, 'prep');
      await must(['mkdir', prep]);
      await must(['mount', device, prep]);
      for (const f of files) await must(['touch', join(prep, f)]);
      await must(['umount', prep]);
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return { device, dir, remove };
}
