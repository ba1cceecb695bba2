/**
 * The regular files of a snapshot in manifest order (each directory's names in byte order,
 * depth first; see format.ts), with their paths as raw bytes so no name is lost to text.
 * Synchronous calls: a walk of a million files spends its time in syscalls, and a
 * thread-pool round trip per call would double it. Directories are read with string
 * names (Node's Buffer-path calls cost about five times more); a directory holding a name
 * that does not decode as UTF-8 (U+FFFD appears) is read again as bytes, and so is all
 * beneath it. An observer learns each directory's entry count and each file on the way (the census of
 * snapshot-census.ts rides on this walk instead of making its own).
 * With a coverage (coverage.ts), a directory a pre-link pass walked is not read again: its
 * names come from the pass's listing, and a file the pass linked is yielded without an lstat
 * (`st` absent): the caller takes its facts from the previous manifest and tells the observer.
 * Directories read as bytes are never covered: everything in them is statted.
 */
import { lstatSync, readdirSync, type BigIntStats, type Dirent } from 'node:fs';
import type { Coverage } from './coverage.ts';
import { LINKED } from '../engine/dir-listing.ts';
import { isPlainPath } from './format.ts';
import { beforeManifestStat } from '../test-points.ts';

export interface WalkedFile {
  /** Relative to the root: its text when the path is UTF-8 (nearly always), else its bytes (`relBytes`). */
  rel: string | Buffer;
  /** For fs calls: a string when the path is valid UTF-8, else its bytes. */
  abs: string | Buffer;
  /** The parent directory, relative to the root ('' = the root), as text. */
  dir: string;
  /** Absent for a file the coverage says the pre-link pass linked: not statted. */
  st?: BigIntStats;
  /** `rel` is text that compares in the manifest's order as it is (format.ts isPlainPath). */
  plain: boolean;
  /**
   * Left alone while the walk was deferring (`WalkDeferral`): rsync may still be writing it,
   * so it is neither statted nor read. `listed`: an entry of a pre-link listing, not yet in
   * its directory's count (`WalkObserver.dir(dir, 1)` once it is found to exist); `read`: a
   * directory met by a readdir, already counted.
   */
  pending?: 'listed' | 'read';
  /**
   * Not statted by the walk (option `lazy`): a regular file by its directory entry's type.
   * The caller stats it when it needs the facts first, or reads them from the open file
   * with its hash (read-hashes.ts), and tells the observer.
   */
  lazy?: true;
}

/**
 * While `active`, the walk yields what rsync may still be writing as `pending` instead of
 * looking at it: every entry a pre-link listing left to rsync and every directory without a
 * listing, both `inFlight` (in a copy whose rsync runs; one already copied is looked at).
 * write.ts's merge runs ahead this way while rsync runs, and looks at those entries once it
 * has exited.
 */
export interface WalkDeferral {
  active: boolean;
  inFlight(rel: string): boolean;
}

/** What the census needs of a file. */
export type FileFacts = Pick<BigIntStats, 'size' | 'nlink'>;

export interface WalkObserver {
  /** A directory (relative, '' = the root) holds `entries` more names, of any type (calls for one directory add up). */
  dir(rel: string, entries: number): void;
  /** A regular file in directory `dir`, as it is yielded; no facts for one the pre-link pass linked from PREV (2 or more links). */
  file(dir: string, rel: string | Buffer, st: FileFacts | undefined): void;
}

/** A walked path's bytes. */
export const relBytes = (rel: string | Buffer): Buffer => (typeof rel === 'string' ? Buffer.from(rel) : rel);

const SLASH = Buffer.from('/');
const byBytes = (a: { name: Buffer }, b: { name: Buffer }): number => Buffer.compare(a.name, b.name);
export const lstat = (abs: string | Buffer): BigIntStats => { beforeManifestStat(abs); return lstatSync(abs, { bigint: true }); };
export function lstatIfThere(abs: string | Buffer): BigIntStats | undefined {
  try {
    return lstat(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * A directory being walked: its entries in order, read as text, as bytes, or taken from a
 * pre-link pass's listing. One loop over a stack of these, not a generator per directory:
 * with `yield*`, every file passed up through one generator per level above it.
 */
type Frame =
  | { kind: 'text'; abs: string; rel: string; plain: boolean; items: Dirent[]; i: number; entries: number }
  | { kind: 'bytes'; abs: Buffer; rel: Buffer; dir: string; items: Dirent<Buffer>[]; i: number; entries: number }
  | { kind: 'listed'; abs: string; rel: string; plain: boolean; items: string[]; i: number; entries: number };

/**
 * `skipAtRoot`: names at the top that are the snapshot's own files, not backed-up data.
 * `base`: `root` is this directory of a larger walk (its path relative to that walk's root),
 * and the files' `rel` and `dir` are given as in that walk.
 */
export function* walkFiles(root: string | Buffer, skipAtRoot: readonly string[] = [], observer?: WalkObserver, coverage?: Coverage,
  opts: { deferral?: WalkDeferral; base?: { rel: string | Buffer; plain: boolean }; lazy?: boolean } = {}): Generator<WalkedFile> {
  const { deferral, lazy } = opts;
  const stack: Frame[] = [];
  const seen = (f: WalkedFile): WalkedFile => { if (f.st) observer?.file(f.dir, f.rel, f.st); return f; };
  const atRoot = <T>(rel: string | Buffer, items: T[], name: (x: T) => string): T[] =>
    rel.length === 0 && skipAtRoot.length > 0 ? items.filter((x) => !skipAtRoot.includes(name(x))) : items;
  const openBytes = (abs: Buffer, rel: Buffer): void => {
    const all = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
    stack.push({ kind: 'bytes', abs, rel, dir: rel.toString(), items: atRoot(rel, all, (d) => d.name.toString()).sort(byBytes), i: 0, entries: 0 });
  };
  // `plain`: rel is a plain path (format.ts isPlainPath); a child's is if its name is too.
  const openText = (abs: string, rel: string, plain: boolean): void => {
    const listing = coverage?.listing(rel);
    if (listing !== undefined) {
      stack.push({ kind: 'listed', abs, rel, plain, items: atRoot(rel, listing === '' ? [] : listing.split('/'), (e) => e.slice(1)), i: 0, entries: 0 });
      return;
    }
    const names = readdirSync(abs, { withFileTypes: true });
    if (names.some((d) => d.name.includes('\uFFFD'))) { openBytes(Buffer.from(abs), Buffer.from(rel)); return; }
    const sorted = atRoot(rel, names, (d) => d.name).map((d) => ({ d, name: Buffer.from(d.name) })).sort(byBytes).map((x) => x.d);
    stack.push({ kind: 'text', abs, rel, plain, items: sorted, i: 0, entries: 0 });
  };
  const base = opts.base?.rel ?? '';
  // A directory met in one read as bytes (write.ts `later`) is read as bytes, as all beneath such a one.
  if (typeof root === 'string' && typeof base === 'string') openText(root, base, opts.base?.plain ?? true);
  else openBytes(Buffer.from(root), Buffer.from(base));
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.items.length) {
      stack.pop();
      observer?.dir(f.kind === 'bytes' ? f.dir : f.rel, f.kind === 'listed' ? f.entries : f.items.length);
      continue;
    }
    if (f.kind === 'bytes') {
      const d = f.items[f.i++]!;
      const childAbs = Buffer.concat([f.abs, SLASH, d.name]);
      const childRel = f.rel.length === 0 ? d.name : Buffer.concat([f.rel, SLASH, d.name]);
      // In flight under a directory read as bytes (another copy's, done, holds such a name): as for text.
      if (deferral?.active && (d.isDirectory() || d.isFile()) && deferral.inFlight(childRel.toString())) yield { rel: childRel, abs: childAbs, dir: f.dir, plain: false, pending: 'read' };
      else if (d.isDirectory()) openBytes(childAbs, childRel);
      else if (d.isFile()) yield lazy ? { rel: childRel, abs: childAbs, dir: f.dir, plain: false, lazy } : seen({ rel: childRel, abs: childAbs, dir: f.dir, st: lstat(childAbs), plain: false });
      continue;
    }
    const item = f.items[f.i++]!;
    const name = f.kind === 'text' ? (item as Dirent).name : (item as string).slice(1);
    const childAbs = `${f.abs}/${name}`;
    const childRel = f.rel === '' ? name : `${f.rel}/${name}`;
    const plain = f.plain && isPlainPath(name);
    if (f.kind === 'text') {
      const d = item as Dirent;
      if (deferral?.active && deferral.inFlight(childRel) && (d.isDirectory() ? coverage?.listing(childRel) === undefined : d.isFile())) yield { rel: childRel, abs: childAbs, dir: f.rel, plain, pending: 'read' };
      else if (d.isDirectory()) openText(childAbs, childRel, plain);
      else if (d.isFile()) yield lazy ? { rel: childRel, abs: childAbs, dir: f.rel, plain, lazy } : seen({ rel: childRel, abs: childAbs, dir: f.rel, st: lstat(childAbs), plain });
      continue;
    }
    // From a listing: what the pass linked is PREV's inode (not statted); the rest is looked at.
    f.entries++;
    if ((item as string)[0] === LINKED) { yield { rel: childRel, abs: childAbs, dir: f.rel, plain }; continue; }
    if (coverage!.listing(childRel) !== undefined) { openText(childAbs, childRel, plain); continue; }
    if (deferral?.active && deferral.inFlight(childRel)) { f.entries--; yield { rel: childRel, abs: childAbs, dir: f.rel, plain, pending: 'listed' }; continue; }
    // Listed for rsync: a filter rule or a vanished source file may have kept it out.
    const st = lstatIfThere(childAbs);
    if (!st) f.entries--;
    else if (st.isDirectory()) openText(childAbs, childRel, plain);
    else if (st.isFile()) yield seen({ rel: childRel, abs: childAbs, dir: f.rel, st, plain });
  }
}
