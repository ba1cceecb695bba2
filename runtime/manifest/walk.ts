/**
 * The regular files of a snapshot in manifest order (each directory's names in byte order,
 * depth first; see format.ts), with their paths as raw bytes so no name is lost to text.
 * Synchronous calls: a walk of a million files spends its time in syscalls, and a
 * thread-pool round trip per call would double it. Directories are read with string
 * names (Node's Buffer-path calls cost about five times more); a directory holding a name
 * that does not decode as UTF-8 (U+FFFD appears) is read again as bytes, and so is all
 * beneath it. An observer learns each directory's entry count and each file on the way (the census of
 * snapshot-census.ts rides on this walk instead of making its own).
 * With a coverage (coverage.ts), a file the pre-link pass linked is yielded without an lstat
 * (`st` absent): the caller takes its facts from the previous manifest and tells the observer.
 * Directories read as bytes are never covered: everything in them is statted.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import type { Coverage } from './coverage.ts';
import { beforeManifestStat } from '../test-points.ts';

export interface WalkedFile {
  /** Relative to the root, raw bytes. */
  rel: Buffer;
  /** For fs calls: a string when the path is valid UTF-8, else its bytes. */
  abs: string | Buffer;
  /** The parent directory, relative to the root ('' = the root), as text. */
  dir: string;
  /** Absent for a file the coverage says the pre-link pass linked: not statted. */
  st?: BigIntStats;
}

/** What the census needs of a file: a BigIntStats, or for a linked file its size and a link count of 2 or more. */
export type FileFacts = Pick<BigIntStats, 'size' | 'nlink'>;

export interface WalkObserver {
  /** A directory (relative, '' = the root) holds `entries` names, of any type. */
  dir(rel: string, entries: number): void;
  /** A regular file in directory `dir`, as it is yielded. */
  file(dir: string, rel: Buffer, st: FileFacts): void;
}

const SLASH = Buffer.from('/');
const byBytes = (a: { name: Buffer }, b: { name: Buffer }): number => Buffer.compare(a.name, b.name);
const lstat = (abs: string | Buffer): BigIntStats => { beforeManifestStat(abs); return lstatSync(abs, { bigint: true }); };

/** `skipAtRoot`: names at the top that are the snapshot's own files, not backed-up data. */
export function* walkFiles(root: string, skipAtRoot: readonly string[] = [], observer?: WalkObserver, coverage?: Coverage): Generator<WalkedFile> {
  const seen = (f: WalkedFile): WalkedFile => { if (f.st) observer?.file(f.dir, f.rel, f.st); return f; };
  function* asText(abs: string, rel: string): Generator<WalkedFile> {
    const names = readdirSync(abs, { withFileTypes: true });
    if (names.some((d) => d.name.includes('\uFFFD'))) { yield* asBytes(Buffer.from(abs), Buffer.from(rel)); return; }
    const kept = rel === '' && skipAtRoot.length > 0 ? names.filter((d) => !skipAtRoot.includes(d.name)) : names;
    observer?.dir(rel, kept.length);
    const sorted = kept.map((d) => ({ d, name: Buffer.from(d.name) })).sort(byBytes);
    const covered = coverage?.walked(rel) ?? false;
    for (const { d } of sorted) {
      const childAbs = `${abs}/${d.name}`;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) yield* asText(childAbs, childRel);
      else if (d.isFile()) {
        yield seen(covered && coverage!.linked(childRel)
          ? { rel: Buffer.from(childRel), abs: childAbs, dir: rel }
          : { rel: Buffer.from(childRel), abs: childAbs, dir: rel, st: lstat(childAbs) });
      }
    }
  }
  function* asBytes(abs: Buffer, rel: Buffer): Generator<WalkedFile> {
    const all = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
    const entries = (rel.length === 0 && skipAtRoot.length > 0 ? all.filter((d) => !skipAtRoot.includes(d.name.toString())) : all).sort(byBytes);
    const dir = rel.toString();
    observer?.dir(dir, entries.length);
    for (const d of entries) {
      const childAbs = Buffer.concat([abs, SLASH, d.name]);
      const childRel = rel.length === 0 ? d.name : Buffer.concat([rel, SLASH, d.name]);
      if (d.isDirectory()) yield* asBytes(childAbs, childRel);
      else if (d.isFile()) yield seen({ rel: childRel, abs: childAbs, dir, st: lstat(childAbs) });
    }
  }
  yield* asText(root, '');
}
