/**
 * The regular files of a snapshot in manifest order (each directory's names in byte order,
 * depth first; see format.ts), as raw-byte paths so no name is lost to text decoding.
 * Synchronous calls: a walk of a million files spends its time in syscalls, and a
 * thread-pool round trip per call would double it.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';

export interface WalkedFile {
  /** Relative to the root, raw bytes. */
  rel: Buffer;
  abs: Buffer;
  st: BigIntStats;
}

const SLASH = Buffer.from('/');

/** `skipAtRoot`: names at the top that are the snapshot's own files, not backed-up data. */
export function* walkFiles(root: string, skipAtRoot: readonly string[] = []): Generator<WalkedFile> {
  const skip = skipAtRoot.map((n) => Buffer.from(n));
  function* dir(abs: Buffer, rel: Buffer | undefined): Generator<WalkedFile> {
    const entries = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const d of entries) {
      if (!rel && skip.some((s) => s.equals(d.name))) continue;
      const childAbs = Buffer.concat([abs, SLASH, d.name]);
      const childRel = rel ? Buffer.concat([rel, SLASH, d.name]) : d.name;
      if (d.isDirectory()) yield* dir(childAbs, childRel);
      else if (d.isFile()) yield { rel: childRel, abs: childAbs, st: lstatSync(childAbs, { bigint: true }) };
    }
  }
  yield* dir(Buffer.from(root), undefined);
}
