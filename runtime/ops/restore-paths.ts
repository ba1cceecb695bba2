/**
 * The two symlink rules of a restore, which runs as root:
 * - the source is resolved inside the snapshot: a symlink kept in the snapshot (a backed-up
 *   `/Apps/conf -> /etc`, or one planted there later) must never lead the copy to the live
 *   system. The item itself may be a symlink (rsync copies it as one); its parents are
 *   resolved, and anything that leaves the snapshot is refused.
 * - the target is written only through real directories: a symlink among its existing
 *   parents (one a local user planted, `/home/alice/docs -> /etc`) would have root write,
 *   chown and chmod wherever it points. Refused, naming it, unless --force.
 */
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

export type SnapshotSource =
  | { ok: true; path: string }
  /** `via`: the symlink inside the snapshot (relative to it) that leads out, and where to. */
  | { ok: false; via: string; to: string };

/**
 * `rel` (no leading slash) inside `snapshotDir`, with every parent resolved: the path to hand
 * rsync, so nothing re-resolves a link between this check and the copy. Undefined when a
 * parent does not exist. The last component is not followed.
 */
export async function resolveInSnapshot(snapshotDir: string, rel: string): Promise<SnapshotSource | undefined> {
  const root = await realpath(snapshotDir);
  const parts = rel.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { ok: true, path: root };
  let at = root;
  for (const [i, name] of parts.slice(0, -1).entries()) {
    const next = join(at, name);
    const st = await lstat(next).catch(() => undefined);
    if (!st) return undefined;
    if (st.isSymbolicLink()) {
      const to = await readlink(next);
      const real = await realpath(next).catch(() => undefined);
      if (real === undefined || !inside(real, root)) return { ok: false, via: parts.slice(0, i + 1).join('/'), to };
      at = real;
    } else {
      at = next;
    }
  }
  return { ok: true, path: join(at, parts[parts.length - 1]!) };
}

/** Existing parents of `target` (from `/` down, not the target itself) that are symlinks. */
export async function symlinkedParents(target: string): Promise<{ path: string; to: string }[]> {
  const found: { path: string; to: string }[] = [];
  const chain: string[] = [];
  for (let p = dirname(target); p !== '/' && p !== '.'; p = dirname(p)) chain.unshift(p);
  for (const p of chain) {
    const st = await lstat(p).catch(() => undefined);
    if (!st) break; // the rest is missing: restore creates it
    if (st.isSymbolicLink()) found.push({ path: p, to: await readlink(p) });
  }
  return found;
}

/** Where `target`'s deepest existing parent really is, every symlink followed. */
export async function realParent(target: string): Promise<string> {
  for (let p = dirname(target); ; p = dirname(p)) {
    const real = await realpath(p).catch(() => undefined);
    if (real !== undefined || p === '/') return real ?? '/';
  }
}

/**
 * Owner, mode and times of a directory restore just created, set through a descriptor opened
 * without following a symlink: if the directory was swapped for a link since mkdir, this
 * fails instead of changing what the link points to.
 */
export async function setDirAttributes(path: string, a: { uid: number; gid: number; mode: number; atime: Date; mtime: Date }): Promise<void> {
  const fh = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await fh.chown(a.uid, a.gid);
    await fh.chmod(a.mode & 0o7777);
    await fh.utimes(a.atime, a.mtime);
  } finally {
    await fh.close();
  }
}
