/**
 * One walk over a directory tree inside a snapshot: for each entry what identifies its
 * content. Inside one snapshot set an unchanged file is the same inode in every snapshot
 * (rsync --link-dest), so dev:ino is the cheapest exact "same version" test there is.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_OWN_FILES } from '../layout.ts';

export type EntryType = 'file' | 'dir' | 'link' | 'other';

export interface TreeEntry {
  type: EntryType;
  dev: number;
  ino: number;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  /** Symlink target. */
  target?: string;
}

export async function statEntry(path: string): Promise<TreeEntry | undefined> {
  let s;
  try {
    s = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  const type: EntryType = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : 'other';
  const e: TreeEntry = { type, dev: s.dev, ino: s.ino, size: s.size, mode: s.mode, uid: s.uid, gid: s.gid, mtimeMs: s.mtimeMs };
  if (type === 'link') e.target = await readlink(path);
  return e;
}

/**
 * Every entry below `root` (not `root` itself), keyed by relative path. At the top of a
 * snapshot linkdest's own files (metadata, manifest) are left out: they are linkdest's, not the host's.
 */
export async function walkTree(root: string, opts: { snapshotRoot?: boolean } = {}): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel ? join(root, rel) : root)).sort();
    for (const name of names) {
      if (rel === '' && opts.snapshotRoot && SNAPSHOT_OWN_FILES.includes(name)) continue;
      const r = rel ? `${rel}/${name}` : name;
      const e = await statEntry(join(root, r));
      if (!e) continue;
      out.set(r, e);
      if (e.type === 'dir') await walk(r);
    }
  };
  await walk('');
  return out;
}
