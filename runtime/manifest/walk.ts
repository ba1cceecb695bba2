/**
 * The regular files of a snapshot in manifest order (each directory's names in byte order,
 * depth first; see format.ts), with their paths as raw bytes so no name is lost to text.
 * Synchronous calls: a walk of a million files spends its time in syscalls, and a
 * thread-pool round trip per call would double it. Directories are read with string
 * names (Node's Buffer-path calls cost about five times more); a directory holding a name
 * that does not decode as UTF-8 (U+FFFD appears) is read again as bytes, and so is all
 * beneath it.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';

export interface WalkedFile {
  /** Relative to the root, raw bytes. */
  rel: Buffer;
  /** For fs calls: a string when the path is valid UTF-8, else its bytes. */
  abs: string | Buffer;
  st: BigIntStats;
}

const SLASH = Buffer.from('/');
const byBytes = (a: { name: Buffer }, b: { name: Buffer }): number => Buffer.compare(a.name, b.name);

/** `skipAtRoot`: names at the top that are the snapshot's own files, not backed-up data. */
export function* walkFiles(root: string, skipAtRoot: readonly string[] = []): Generator<WalkedFile> {
  function* asText(abs: string, rel: string): Generator<WalkedFile> {
    const names = readdirSync(abs, { withFileTypes: true });
    if (names.some((d) => d.name.includes('\uFFFD'))) { yield* asBytes(Buffer.from(abs), Buffer.from(rel)); return; }
    const sorted = names.map((d) => ({ d, name: Buffer.from(d.name) })).sort(byBytes);
    for (const { d } of sorted) {
      if (rel === '' && skipAtRoot.includes(d.name)) continue;
      const childAbs = `${abs}/${d.name}`;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) yield* asText(childAbs, childRel);
      else if (d.isFile()) yield { rel: Buffer.from(childRel), abs: childAbs, st: lstatSync(childAbs, { bigint: true }) };
    }
  }
  function* asBytes(abs: Buffer, rel: Buffer): Generator<WalkedFile> {
    const entries = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' }).sort(byBytes);
    for (const d of entries) {
      if (rel.length === 0 && skipAtRoot.includes(d.name.toString())) continue;
      const childAbs = Buffer.concat([abs, SLASH, d.name]);
      const childRel = rel.length === 0 ? d.name : Buffer.concat([rel, SLASH, d.name]);
      if (d.isDirectory()) yield* asBytes(childAbs, childRel);
      else if (d.isFile()) yield { rel: childRel, abs: childAbs, st: lstatSync(childAbs, { bigint: true }) };
    }
  }
  yield* asText(root, '');
}
