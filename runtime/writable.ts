/**
 * Is the destination writable, before anything is pruned? ext4 remounts itself read-only
 * after I/O errors (errors=remount-ro: a USB cable pulled, an iSCSI session that dropped),
 * and the mount point and marker then still look right. A probe file proves a write works;
 * a read-only or otherwise unwritable destination fails the run in one line, nothing deleted.
 */
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LinkdestError } from './errors.ts';

export async function ensureWritable(dir: string): Promise<void> {
  const probe = join(dir, `.linkdest-write-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const fh = await open(probe, 'wx', 0o600);
    await fh.close();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EROFS'
      ? 'is on a read-only filesystem (remounted read-only after I/O errors? see dmesg, then e2fsck the disk)'
      : `is not writable (${code ?? (e as Error).message})`;
    throw new LinkdestError(`destination ${dir} ${why}; nothing was pruned or written`, { step: 'destination' });
  }
  await unlink(probe);
}
