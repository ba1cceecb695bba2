/**
 * A real ext4 filesystem on a loop device for the snapshot benchmarks (root only): the
 * image is sparse, lives beside the work directory, and is detached and removed by `close`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface LoopFs {
  mnt: string;
  close: () => void;
}

/** `directIo`: the loop device reads and writes its image with O_DIRECT (no second cache of the image on the host). */
export function mountLoopExt4(work: string, sizeGiB: number, inodes: number, directIo = false): LoopFs {
  const img = join(work, 'fs.img');
  const mnt = join(work, 'mnt');
  mkdirSync(mnt, { recursive: true });
  execFileSync('truncate', ['-s', `${sizeGiB}G`, img]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-N', String(inodes), '-E', 'lazy_itable_init=1,lazy_journal_init=1', img]);
  const dev = execFileSync('losetup', ['--find', '--show', ...(directIo ? ['--direct-io=on'] : []), img], { encoding: 'utf8' }).trim();
  // noinit_itable: the kernel would zero the lazily made inode tables in the background for
  // minutes after the mount (1.5 GB for the 1M-file filesystem), writing beside whatever the
  // first rounds time.
  execFileSync('mount', ['-o', 'noinit_itable', dev, mnt]);
  return {
    mnt,
    close: () => {
      execFileSync('umount', [mnt]);
      execFileSync('losetup', ['-d', dev]);
      rmSync(img, { force: true });
    },
  };
}
