/**
 * The pre-link pass: walk the source, and for every regular file the previous snapshot
 * holds unchanged (fast-path.ts `unchanged`), hard-link it into the new tree. Everything
 * else is collected for rsync, which then only has to look at those entries instead of
 * re-checking every file: directories (their attributes), new or changed files, symlinks,
 * devices, and, apart, multiply-linked files, which rsync copies in the same pass as the
 * new directories so that -H sees every member of a hard-link group at once.
 *
 * Only directories that the previous snapshot holds as directories are descended into:
 * the previous snapshot already reflects excludes and --one-file-system (same engine key),
 * so rsync's own filter rules decide about everything new. Inner sources (nested-sources.ts)
 * are not descended into either: their contents are theirs.
 *
 * A name that is not UTF-8 reaches rsync as its bytes (see byteNamed).
 * A directory that vanishes or cannot be read during the walk does not stop it: rsync then
 * sees what is there, and the walk reports a warning, as bare rsync's exit 24/23 would.
 * A file PREV holds with as many links as its filesystem allows (EMLINK) goes to rsync,
 * which copies it when its own link fails, as bare rsync does.
 */
import { linkSync, lstatSync, mkdirSync, readdirSync, rmdirSync, type BigIntStats, type Dirent } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { unchanged } from './fast-path.ts';
import { beforeWalkReads } from '../test-points.ts';

export interface PrelinkInput {
  src: string;
  prev: string;
  dest: string;
  /** Previous snapshot's start, ms since epoch. */
  prevStartedMs: number;
  oneFileSystem: boolean;
  compareOwner: boolean;
  /** Inner sources, relative to this one: their directory is listed, never descended. */
  skip?: string[];
}

/** A path for rsync's list: a string when its bytes are UTF-8, the bytes otherwise. */
export type ListedPath = string | Buffer;

export interface PrelinkResult {
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
   * Directories (as in `dirs`) whose every entry the pass handled: listed for rsync above, or
   * hard-linked from PREV at the same path. So a regular file of the new tree in one of them
   * that is in none of the lists IS PREV's inode (the manifest's coverage, manifest/coverage.ts).
   * Not here: directories not descended (inner sources, other devices, new, unreadable, vanished).
   */
  walked: string[];
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
 * Synchronous on purpose: measured here, the thread-pool round trip per lstat/link made the
 * async walk slower than rsync itself; plain syscalls in a loop cost what `cp -al` costs.
 * The walk yields to the event loop between directories so signals are still handled.
 */
export async function prelink(input: PrelinkInput): Promise<PrelinkResult> {
  // Paths are joined by concatenation, not path.join: relative paths here never hold "."
  // or ".." components, and join's normalisation cost a tenth of the walk (node --cpu-prof).
  const prevStartNs = BigInt(Math.floor(input.prevStartedMs)) * 1_000_000n;
  const rootDev = lstatSync(input.src, { bigint: true }).dev;
  const skip = new Set(input.skip ?? []);
  const r: PrelinkResult = { dirs: ['.'], others: [], newDirs: [], multiLinked: [], filesLinked: 0, bytesLinked: 0, linkLimit: 0, warnings: [], walked: [] };
  const rel = (dir: string, name: string): string => (dir === '.' ? name : `${dir}/${name}`);
  mkdirSync(input.dest, { recursive: true });
  const stack: string[] = ['.'];
  let sinceYield = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const prevTypes = new Map<string, Dirent>();
    try {
      for (const e of readdirSync(`${input.prev}/${dir}`, { withFileTypes: true })) prevTypes.set(e.name, e);
    } catch { /* prev lacks it: every entry is new */ }
    beforeWalkReads(input.src, dir);
    let entries: Dirent[];
    try {
      entries = readdirSync(`${input.src}/${dir}`, { withFileTypes: true });
    } catch (e) {
      if (!GONE.has(code(e) ?? '') || dir === '.') throw e;
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') {
        // Gone before rsync saw it: as if it had not been there (its copy is still empty);
        // whatever took its place (ENOTDIR) is rsync's to copy.
        rmdirSync(`${input.dest}/${dir}`);
        r.dirs = r.dirs.filter((d) => d !== dir);
        if (code(e) === 'ENOTDIR') r.others.push(dir);
        r.warnings.push(`${`${input.src}/${dir}`}: vanished during the copy`);
      } else {
        r.warnings.push(`${`${input.src}/${dir}`}: cannot read the directory (${code(e)}); its contents were not copied`);
      }
      continue;
    }
    r.walked.push(dir);
    if (entries.some((d) => d.name.includes('\uFFFD'))) {
      for (const name of byteNamed(`${input.src}/${dir}`)) {
        const path = dir === '.' ? name : Buffer.concat([Buffer.from(`${dir}/`), name]);
        const s = lstatOrNull(Buffer.concat([Buffer.from(`${input.src}/`), path]));
        if (s?.isDirectory()) r.newDirs.push(path);
        else if (s && s.nlink > 1n) r.multiLinked.push(path);
        else r.others.push(path);
      }
      entries = entries.filter((d) => !d.name.includes('\uFFFD'));
    }
    for (const d of entries) {
      const path = rel(dir, d.name);
      const p = prevTypes.get(d.name);
      if (d.isDirectory()) {
        if (!p?.isDirectory()) { r.newDirs.push(path); continue; }
        r.dirs.push(path);
        mkdirSync(`${input.dest}/${path}`);
        if (skip.has(path)) continue;
        if (input.oneFileSystem && lstatOrNull(`${input.src}/${path}`)?.dev !== rootDev) continue;
        stack.push(path);
        continue;
      }
      if (!d.isFile()) { r.others.push(path); continue; }
      const s = lstatOrNull(`${input.src}/${path}`);
      if (s && s.nlink > 1n) { r.multiLinked.push(path); continue; }
      const ps = s && p?.isFile() ? lstatOrNull(`${input.prev}/${path}`) : null;
      if (!s || !ps || !unchanged(s, ps, prevStartNs, input.compareOwner)) { r.others.push(path); continue; }
      try {
        linkSync(`${input.prev}/${path}`, `${input.dest}/${path}`);
      } catch (e) {
        if (code(e) !== 'EMLINK') throw e;
        r.linkLimit++;
        r.others.push(path);
        continue;
      }
      r.filesLinked++;
      r.bytesLinked += Number(s.size);
    }
    if (++sinceYield >= 64) { sinceYield = 0; await nextTurn(); }
  }
  return r;
}
