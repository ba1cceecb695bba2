/**
 * Writing a new snapshot's manifest before its commit rename. The walk of the new tree is
 * merged, in one ordered pass, with the previous snapshot's manifest. A file the pre-link
 * pass linked (coverage.ts) takes its whole line from there, unread and not even statted;
 * any other file that is still the previous snapshot's inode (rsync --link-dest: same path,
 * inode, size and mtime) takes its hash from there unread; only the rest is read and hashed.
 * So the cost follows what changed, bar the walk's readdirs. Memory stays bounded: neither
 * manifest is held.
 */
import { once } from 'node:events';
import { createWriteStream, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { SNAPSHOT_OWN_FILES } from '../layout.ts';
import { beforeManifestStat } from '../test-points.ts';
import type { Logger } from '../logger.ts';
import { comparePaths, comparePathTexts, encodePath, entryLine, headerLine, linePath, MANIFEST_FILE, parseEntry, type ManifestEntry, type ManifestLine } from './format.ts';
import { HASH_ALGORITHM } from './hash.ts';
import { HashPool } from './hash-pool.ts';
import { openManifest } from './read.ts';
import { relBytes, walkFiles, type WalkObserver } from './walk.ts';
import type { Coverage } from './coverage.ts';

export interface ManifestSummary {
  algorithm: string;
  files: number;
  /** Files read and hashed (new or changed since the previous snapshot). */
  hashed: number;
  /** Files whose entry came from the previous manifest unread. */
  inherited: number;
  /** Of those, files the pre-link pass linked: not even statted. */
  linked?: number;
  /** Files it could not read and so does not list (not root, no read permission): the first LEFT_OUT_NAMED, encoded as in the manifest. */
  leftOut?: string[];
  /** How many files it left out in all. */
  leftOutCount?: number;
  bytesHashed: number;
  durationMs: number;
}

/** Text handed to gzip at a time, and its output chunks (the size: see read.ts). */
const CHUNK = 64 << 10;
/** Left-out files named in the metadata: enough to act on, bounded for a tree of unreadable files. */
export const LEFT_OUT_NAMED = 100;

/**
 * `observer` sees the walk of the new snapshot too (the census of the snapshot's checks).
 * `coverage`: what the pre-link passes linked from `prevDir` (absent: every file is statted).
 */
export async function writeManifest(snapshotDir: string, prevDir: string | undefined, log: Logger, signal?: AbortSignal, observer?: WalkObserver, coverage?: Coverage): Promise<ManifestSummary> {
  const started = Date.now();
  const prev = prevDir ? await openManifest(prevDir) : undefined;
  if (prevDir && !prev) log.info(`the previous snapshot has no checksum manifest (made before manifests existed): hashing every file this once, like a first snapshot`);
  const usable = prev?.algorithm === HASH_ALGORITHM ? prev.lines : undefined;
  if (prev && !usable) log.info(`the previous manifest uses ${prev.algorithm}, not ${HASH_ALGORITHM}: hashing every file this once`);

  // Level 1: the hashes are random hex, which no level compresses well; measured on 50,000
  // lines, level 6 took 1.4-1.7x as long for a file only 3 % smaller.
  const gzip = createGzip({ level: 1, chunkSize: CHUNK });
  const through = new PassThrough();
  const done = pipeline(through, gzip, createWriteStream(join(snapshotDir, MANIFEST_FILE), { mode: 0o600 }));
  done.catch(() => undefined);
  let chunk = headerLine(HASH_ALGORITHM);
  // Taken before the await: the hash pool's lines keep arriving while it waits.
  const flush = async (): Promise<void> => {
    const out = chunk;
    chunk = '';
    if (!through.write(out)) await Promise.race([once(through, 'drain'), done]);
  };

  let files = 0, walked = 0, inherited = 0, linked = 0, unreadable = 0;
  let firstUnreadable = '';
  const leftOut: string[] = [];
  // Entries come back from the pool in walk order, hashed on every core (hash-pool.ts);
  // inherited lines go through it too, so they keep their place among the hashed ones.
  // A tag is either a new line's fields or a previous line copied whole (`text`).
  const hasher = new HashPool<Omit<ManifestEntry, 'hash'> | ManifestLine>((e, r) => {
    // Not root, and a file the source had without read permission: left out, said once.
    if (r.error !== undefined) {
      const name = 'text' in e ? e.key : encodePath(e.path);
      if (unreadable++ === 0) firstUnreadable = `${name} (${r.error})`;
      if (leftOut.length < LEFT_OUT_NAMED) leftOut.push(name);
      return;
    }
    chunk += 'text' in e ? `${e.text}\n` : entryLine({ ...e, hash: r.hash });
    files++;
  });
  // A cursor over the previous manifest's batches: no await per entry.
  let batch: ManifestLine[] = [], at = 0;
  const advance = async (): Promise<ManifestLine | undefined> => {
    while (usable && ++at >= batch.length) {
      const b = await usable.next();
      if (b.done) return undefined;
      batch = b.value;
      at = -1;
    }
    return batch[at];
  };
  at = -1;
  let p: ManifestLine | undefined = await advance();
  try {
    for (const f of walkFiles(snapshotDir, SNAPSHOT_OWN_FILES, observer, usable ? coverage : undefined)) {
      // Plain paths on both sides compare as text (format.ts isPlainPath); others as bytes.
      const text = f.plain ? f.rel as string : undefined;
      const bytes = text === undefined ? relBytes(f.rel) : undefined;
      const order = (l: ManifestLine): number => (text !== undefined && l.plain ? comparePathTexts(l.key, text) : comparePaths(linePath(l), bytes ?? relBytes(f.rel)));
      let c = p ? order(p) : 1;
      while (c < 0) {
        p = at + 1 < batch.length ? batch[++at] : await advance();
        c = p ? order(p) : 1;
      }
      const atLine = c === 0;
      if (!f.st) {
        // Linked by the pre-link pass: PREV's inode, which PREV's line describes.
        if (atLine) {
          observer?.file(f.dir, f.rel, undefined);
          inherited++;
          linked++;
          const full = hasher.known(p!, '');
          if (full) await full;
        } else {
          // PREV's manifest lacks it (left out there as unreadable, say): looked at like any other.
          beforeManifestStat(f.abs);
          f.st = lstatSync(f.abs, { bigint: true });
          observer?.file(f.dir, f.rel, f.st);
        }
      }
      if (f.st) {
        const st = f.st;
        const q = atLine ? parseEntry(p!.text) : undefined;
        const same = q && q.ino === st.ino && q.size === st.size && q.mtimeNs === st.mtimeNs;
        const entry = { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, path: bytes ?? relBytes(f.rel) };
        if (same) inherited++;
        const full = same ? hasher.known(entry, q.hash) : hasher.hash(entry, f.abs, Number(st.size));
        if (full) await full;
      }
      if (chunk.length >= CHUNK) await flush();
      if (++walked % 4096 === 0) {
        signal?.throwIfAborted();
        await new Promise(setImmediate);
      }
    }
    await hasher.drain();
    await flush();
    through.end();
    await done;
  } catch (e) {
    through.destroy();
    throw e;
  } finally {
    await hasher.close();
    await usable?.return(undefined);
  }
  if (unreadable > 0) log.warn(`checksum manifest: ${unreadable} file(s) could not be read and are not covered by verify, e.g. ${firstUnreadable}`);
  log.info(`checksum manifest: ${files} files, ${hasher.files} read and hashed, ${inherited} unchanged (hash taken from the previous manifest, ${linked} of them linked by the pre-link pass and not statted)`);
  return { algorithm: HASH_ALGORITHM, files, hashed: hasher.files, inherited, linked, bytesHashed: hasher.bytes, durationMs: Date.now() - started,
    ...(unreadable > 0 ? { leftOut, leftOutCount: unreadable } : {}) };
}
