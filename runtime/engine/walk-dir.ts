/**
 * One step of the pre-link walk (prelink.ts): one source directory. Its unchanged regular
 * files (fast-path.ts `unchanged`) are hard-linked from PREV into the new tree, its
 * subdirectories that PREV holds are created and handed back to be walked, and everything
 * else is listed for rsync. Synchronous and self-contained, so that the walk can run the
 * same step on the main thread and in a worker thread (walk-worker.ts) at once.
 *
 * A name that is not UTF-8 reaches rsync as its bytes (see byteNamed).
 * A directory that vanishes or cannot be read during the walk does not stop it: rsync then
 * sees what is there, and the walk reports a warning, as bare rsync's exit 24/23 would.
 * A file PREV holds with as many links as its filesystem allows (EMLINK) goes to rsync,
 * which copies it when its own link fails, as bare rsync does.
 */
import { linkSync, lstatSync, mkdirSync, readdirSync, rmdirSync, type BigIntStats, type Dirent } from 'node:fs';
import { unchanged } from './fast-path.ts';
import { LINKED, LOOK, sortByBytes, type DirListing } from './dir-listing.ts';
import { beforeWalkReads } from '../test-points.ts';

/** A path for rsync's list: a string when its bytes are UTF-8, the bytes otherwise. */
export type ListedPath = string | Buffer;

/** What the walk needs to know, as plain data (it crosses to the worker thread). */
export interface WalkContext {
  src: string;
  prev: string;
  dest: string;
  /** Previous snapshot's start, ns since epoch. */
  prevStartNs: bigint;
  /** The source root's device, for --one-file-system; undefined when that is off. */
  rootDev: bigint | undefined;
  compareOwner: boolean;
  /** Inner sources, relative to this one: their directory is listed, never descended. */
  skip: string[];
}

export interface WalkResult {
  /** Directories that exist in source and previous snapshot, relative ('.' = root). */
  dirs: ListedPath[];
  /** Non-directory entries for rsync (new, changed, non-regular) with a single link. */
  others: ListedPath[];
  /** Directories not in the previous snapshot: rsync copies them recursively. */
  newDirs: ListedPath[];
  /** Non-directory entries with nlink > 1: rsync copies them in the new directories' pass. */
  multiLinked: ListedPath[];
  filesLinked: number;
  bytesLinked: number;
  /** Unchanged files PREV holds with the most links its filesystem allows, left to rsync. */
  linkLimit: number;
  /** Directories that vanished or could not be read during the walk, one line each. */
  warnings: string[];
  /**
   * What the pass put into each directory it walked (dir-listing.ts), for the manifest's walk.
   * Not here: directories not descended (inner sources, other devices, new, unreadable,
   * vanished) and those holding a name that is not UTF-8.
   */
  listings: DirListing[];
  /**
   * Directories listed in `dirs` (by whichever walker met them in their parent) that were
   * gone when this walker came to read them: the merge takes them out of `dirs`.
   */
  vanishedDirs: string[];
}

export const emptyWalkResult = (): WalkResult => ({
  dirs: [], others: [], newDirs: [], multiLinked: [], filesLinked: 0, bytesLinked: 0, linkLimit: 0, warnings: [], listings: [], vanishedDirs: [],
});

/** Adds `b` into `a`. No consumer depends on the order of the lists. */
export function mergeWalkResults(a: WalkResult, b: WalkResult): void {
  for (const k of ['dirs', 'others', 'newDirs', 'multiLinked', 'warnings', 'listings', 'vanishedDirs'] as const) {
    for (const x of b[k]) (a[k] as unknown[]).push(x);
  }
  a.filesLinked += b.filesLinked;
  a.bytesLinked += b.bytesLinked;
  a.linkLimit += b.linkLimit;
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;
/** Errors of an entry that is gone or unreadable now: rsync decides about it. */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM']);

function lstatOrNull(path: string | Buffer): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    if (GONE.has(code(e) ?? '')) return null;
    throw e;
  }
}

/**
 * Names that are not UTF-8 come back from a string readdir with U+FFFD in them and cannot
 * be opened by that name. They are rare: such a directory is read again as bytes, and its
 * entries with such names go to rsync by their bytes (a directory as a new one, which rsync
 * copies recursively against PREV), never pre-linked or descended into by the walk.
 */
function byteNamed(dir: string): Buffer[] {
  return readdirSync(dir, { encoding: 'buffer' }).filter((n) => n.toString().includes('\uFFFD'));
}

/**
 * Walks `dir` (relative to the source; '.' is the root, whose copy exists already) and calls
 * `descend` for each subdirectory to walk next, after creating its copy.
 * Paths are joined by concatenation, not path.join: relative paths here never hold "." or
 * ".." components, and join's normalisation cost a tenth of the walk (node --cpu-prof).
 */
export function walkDir(c: WalkContext, dir: string, r: WalkResult, descend: (dir: string) => void): void {
  const rel = (name: string): string => (dir === '.' ? name : `${dir}/${name}`);
  const prevTypes = new Map<string, Dirent>();
  try {
    for (const e of readdirSync(`${c.prev}/${dir}`, { withFileTypes: true })) prevTypes.set(e.name, e);
  } catch { /* prev lacks it: every entry is new */ }
  beforeWalkReads(c.src, dir);
  let entries: Dirent[];
  try {
    entries = readdirSync(`${c.src}/${dir}`, { withFileTypes: true });
  } catch (e) {
    if (!GONE.has(code(e) ?? '') || dir === '.') throw e;
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') {
      // Gone before rsync saw it: as if it had not been there (its copy is still empty);
      // whatever took its place (ENOTDIR) is rsync's to copy.
      rmdirSync(`${c.dest}/${dir}`);
      r.vanishedDirs.push(dir);
      if (code(e) === 'ENOTDIR') r.others.push(dir);
      r.warnings.push(`${`${c.src}/${dir}`}: vanished during the copy`);
    } else {
      r.warnings.push(`${`${c.src}/${dir}`}: cannot read the directory (${code(e)}); its contents were not copied`);
    }
    return;
  }
  // Tagged names of the new directory, in the manifest's order; none when a name is not UTF-8.
  let listing: string[] | undefined = [];
  if (entries.some((d) => d.name.includes('\uFFFD'))) {
    listing = undefined;
    for (const name of byteNamed(`${c.src}/${dir}`)) {
      const path = dir === '.' ? name : Buffer.concat([Buffer.from(`${dir}/`), name]);
      const s = lstatOrNull(Buffer.concat([Buffer.from(`${c.src}/`), path]));
      if (s?.isDirectory()) r.newDirs.push(path);
      else if (s && s.nlink > 1n) r.multiLinked.push(path);
      else r.others.push(path);
    }
    entries = entries.filter((d) => !d.name.includes('\uFFFD'));
  }
  if (listing) sortByBytes(entries);
  for (const d of entries) {
    const linked = walkEntry(c, d, rel(d.name), prevTypes.get(d.name), r, descend);
    listing?.push((linked ? LINKED : LOOK) + d.name);
  }
  if (listing) r.listings.push({ dir, names: listing.join('/') });
}

/** One entry of a walked directory; true when it was hard-linked from PREV. */
function walkEntry(c: WalkContext, d: Dirent, path: string, p: Dirent | undefined, r: WalkResult, descend: (dir: string) => void): boolean {
  if (d.isDirectory()) {
    if (!p?.isDirectory()) { r.newDirs.push(path); return false; }
    r.dirs.push(path);
    mkdirSync(`${c.dest}/${path}`);
    if (c.skip.includes(path)) return false;
    if (c.rootDev !== undefined && lstatOrNull(`${c.src}/${path}`)?.dev !== c.rootDev) return false;
    descend(path);
    return false;
  }
  if (!d.isFile()) { r.others.push(path); return false; }
  const s = lstatOrNull(`${c.src}/${path}`);
  if (s && s.nlink > 1n) { r.multiLinked.push(path); return false; }
  const ps = s && p?.isFile() ? lstatOrNull(`${c.prev}/${path}`) : null;
  if (!s || !ps || !unchanged(s, ps, c.prevStartNs, c.compareOwner)) { r.others.push(path); return false; }
  return linkUnchanged(c.prev, c.dest, path, s.size, r);
}

/**
 * An unchanged file of PREV hard-linked at the same path in the new tree, and counted; false
 * when PREV's file already has as many links as its filesystem allows (EMLINK): the entry then
 * goes to rsync, which copies it when its own link fails, as bare rsync does. The local walk
 * and the remote pre-link (remote-prelink.ts) both link through here.
 */
export function linkUnchanged(prev: string, dest: string, path: string, size: bigint, r: Pick<WalkResult, 'others' | 'linkLimit' | 'filesLinked' | 'bytesLinked'>): boolean {
  try {
    linkSync(`${prev}/${path}`, `${dest}/${path}`);
  } catch (e) {
    if (code(e) !== 'EMLINK') throw e;
    r.linkLimit++;
    r.others.push(path);
    return false;
  }
  r.filesLinked++;
  r.bytesLinked += Number(size);
  return true;
}
