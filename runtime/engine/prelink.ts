/**
 * The pre-link pass: walk the source, and for every regular file the previous snapshot
 * holds unchanged, hard-link it into the new tree. Everything else (directories, new or
 * changed files, symlinks, devices, multiply-linked files) is collected for rsync, which
 * then only has to look at those entries instead of re-checking every file.
 *
 * "Unchanged" is strict: same type+mode, size, mtime to the nanosecond, owner (when root)
 * AND a source ctime older than the previous snapshot's start. ctime moves on chmod,
 * chown, xattr/ACL changes and link-count changes, none of which need touch mtime.
 *
 * Only directories that the previous snapshot holds as directories are descended into:
 * the previous snapshot already reflects excludes and --one-file-system (same engine key),
 * so rsync's own filter rules decide about everything new (see files-from.ts).
 */
import { join } from 'node:path';
import { linkSync, lstatSync, mkdirSync, readdirSync, type BigIntStats, type Dirent } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface PrelinkInput {
  src: string;
  prev: string;
  dest: string;
  /** Previous snapshot's start, ms since epoch. */
  prevStartedMs: number;
  oneFileSystem: boolean;
  compareOwner: boolean;
}

export interface PrelinkResult {
  /** Directories that exist in source and previous snapshot, relative ('.' = root). */
  dirs: string[];
  /** Non-directory entries for rsync (new, changed, non-regular, nlink > 1). */
  others: string[];
  /** Directories not in the previous snapshot: rsync copies them recursively. */
  newDirs: string[];
  filesLinked: number;
  bytesLinked: number;
  /** A source file with nlink > 1 was seen (matters when newDirs is non-empty). */
  sawMultiLinked: boolean;
}

export function unchanged(s: BigIntStats, p: BigIntStats, prevStartNs: bigint, compareOwner: boolean): boolean {
  return s.isFile() && p.isFile() && s.nlink === 1n
    && s.mode === p.mode && s.size === p.size && s.mtimeNs === p.mtimeNs
    && (!compareOwner || (s.uid === p.uid && s.gid === p.gid))
    && s.ctimeNs < prevStartNs;
}

function lstatOrNull(path: string): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * Synchronous on purpose: measured here, the thread-pool round trip per lstat/link made the
 * async walk slower than rsync itself; plain syscalls in a loop cost what `cp -al` costs.
 * The walk yields to the event loop between directories so signals are still handled.
 */
export async function prelink(input: PrelinkInput): Promise<PrelinkResult> {
  const prevStartNs = BigInt(Math.floor(input.prevStartedMs)) * 1_000_000n;
  const rootDev = lstatSync(input.src, { bigint: true }).dev;
  const r: PrelinkResult = { dirs: ['.'], others: [], newDirs: [], filesLinked: 0, bytesLinked: 0, sawMultiLinked: false };
  const rel = (dir: string, name: string): string => (dir === '.' ? name : `${dir}/${name}`);
  mkdirSync(input.dest, { recursive: true });
  const stack: string[] = ['.'];
  let sinceYield = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const prevTypes = new Map<string, Dirent>();
    try {
      for (const e of readdirSync(join(input.prev, dir), { withFileTypes: true })) prevTypes.set(e.name, e);
    } catch { /* prev lacks it: every entry is new */ }
    for (const d of readdirSync(join(input.src, dir), { withFileTypes: true })) {
      const path = rel(dir, d.name);
      const p = prevTypes.get(d.name);
      if (d.isDirectory()) {
        if (!p?.isDirectory()) { r.newDirs.push(path); continue; }
        r.dirs.push(path);
        mkdirSync(join(input.dest, path));
        if (!input.oneFileSystem || lstatSync(join(input.src, path), { bigint: true }).dev === rootDev) stack.push(path);
        continue;
      }
      if (!d.isFile() || !p?.isFile()) { r.others.push(path); continue; }
      const s = lstatOrNull(join(input.src, path));
      const ps = s && lstatOrNull(join(input.prev, path));
      if (s && s.nlink > 1n) r.sawMultiLinked = true;
      if (!s || !ps || !unchanged(s, ps, prevStartNs, input.compareOwner)) { r.others.push(path); continue; }
      linkSync(join(input.prev, path), join(input.dest, path));
      r.filesLinked++;
      r.bytesLinked += Number(s.size);
    }
    if (++sinceYield >= 64) { sinceYield = 0; await nextTurn(); }
  }
  return r;
}
