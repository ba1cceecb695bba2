/**
 * `verify --deep`: re-read the files of snapshots and compare them with their manifests.
 * Snapshots share inodes (that is the point of --link-dest), so each inode is read once,
 * however many snapshots hold it; a damaged inode is damaged in all of them. A mismatch is
 * then traced through the whole set: every snapshot whose file at that path is the same
 * inode, and the newest snapshot with an intact copy to restore from (another inode with
 * the expected hash, or failing that an intact previous version of the file).
 */
import { lstatSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { encodePath, MANIFEST_FILE } from '../manifest/format.ts';
import { FileHasher, hashReady, isHashAlgorithm, type HashAlgorithm } from '../manifest/hash.ts';
import { openManifest } from '../manifest/read.ts';
import { bucketOf, type SampleChoice } from './sample.ts';

export interface IntactCopy {
  snapshot: string;
  /** Absolute path of the copy. */
  file: string;
  /** True: the same content as the damaged file had; false: an older version, itself intact. */
  sameContent: boolean;
}

export interface Mismatch {
  /** Path inside the snapshots, encoded as in the manifest (exact for any name). */
  path: string;
  /** The newest verified snapshot where it was found. */
  snapshot: string;
  inode: string | null;
  problem: string;
  /** The hash of `expected` and `actual`: the manifest's (xxh128, or sha256 for manifests written before it). */
  algorithm: string;
  expected: string;
  actual: string | null;
  /** Every snapshot whose file at this path is this same inode (newest first). */
  sharedBy: string[];
  intactCopy: IntactCopy | null;
}

export interface DeepVerifyReport {
  snapshots: string[];
  /** Snapshots made before manifests existed: nothing to compare with. */
  withoutManifest: string[];
  files: number;
  inodesRead: number;
  bytesRead: number;
  skippedBySample: number;
  sample: SampleChoice | null;
  mismatches: Mismatch[];
}

export interface DeepVerifyOptions {
  setDir: string;
  /** Snapshots to verify. */
  snapshots: string[];
  /** Every complete snapshot, oldest first: where shared inodes and intact copies are looked for. */
  all: string[];
  sample?: SampleChoice;
  signal?: AbortSignal;
  /** Called for each inode read (the sampled-verify test counts coverage with it). */
  onRead?: (ino: bigint) => void;
}

const SLASH = Buffer.from('/');
const abs = (dir: string, path: Buffer): Buffer => Buffer.concat([Buffer.from(dir), SLASH, path]);
const tryLstat = (p: Buffer): BigIntStats | undefined => lstatSync(p, { bigint: true, throwIfNoEntry: false });

/** One FileHasher per algorithm (manifests before xxh128 name sha256), counted together. */
class Hashers {
  private readonly by = new Map<HashAlgorithm, FileHasher>();
  async get(algorithm: HashAlgorithm): Promise<FileHasher> {
    let h = this.by.get(algorithm);
    if (!h) { await hashReady(algorithm); h = new FileHasher(algorithm); this.by.set(algorithm, h); }
    return h;
  }
  get files(): number { return [...this.by.values()].reduce((n, h) => n + h.files, 0); }
  get bytes(): number { return [...this.by.values()].reduce((n, h) => n + h.bytes, 0); }
}

export async function deepVerify(o: DeepVerifyOptions): Promise<DeepVerifyReport> {
  const hashers = new Hashers();
  const algorithms = new Map<string, HashAlgorithm>();
  // By algorithm and inode: an inode shared with a snapshot of the other algorithm is read again for it.
  const read = new Map<string, string>();
  const bad = new Map<string, Mismatch & { raw: Buffer }>();
  const report: DeepVerifyReport = { snapshots: [], withoutManifest: [], files: 0, inodesRead: 0, bytesRead: 0, skippedBySample: 0, sample: o.sample ?? null, mismatches: [] };
  const hashOf = (hasher: FileHasher, ino: bigint, file: Buffer): string => {
    const key = `${hasher.algorithm}:${ino}`;
    let h = read.get(key);
    if (h === undefined) {
      try {
        h = hasher.hash(file)!.hash;
      } catch (e) {
        h = `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
      }
      read.set(key, h);
      o.onRead?.(ino);
    }
    return h;
  };

  for (const snap of [...o.snapshots].reverse()) {
    const dir = join(o.setDir, snap);
    const m = await openManifest(dir);
    if (!m) { report.withoutManifest.push(snap); continue; }
    const algorithm = m.algorithm;
    if (!isHashAlgorithm(algorithm)) {
      await m.entries.return(undefined);
      throw new Error(`${join(dir, MANIFEST_FILE)}: its hash ${algorithm} is not one this linkdest knows (a newer linkdest wrote it?)`);
    }
    algorithms.set(snap, algorithm);
    const hasher = await hashers.get(algorithm);
    report.snapshots.push(snap);
    for await (const e of m.entries) {
      report.files++;
      if (report.files % 4096 === 0) { o.signal?.throwIfAborted(); await new Promise(setImmediate); }
      const file = abs(dir, e.path);
      const st = tryLstat(file);
      const key = st?.isFile() ? `i${st.ino}` : `${snap}\0${e.path.toString('hex')}`;
      if (st?.isFile() && o.sample && bucketOf(st.ino, o.sample.buckets) !== o.sample.bucket) { report.skippedBySample++; continue; }
      const actual = st === undefined ? undefined : st.isFile() ? hashOf(hasher, st.ino, file) : 'not a regular file';
      if (actual === e.hash) continue;
      const known = bad.get(key);
      if (known) { if (!known.sharedBy.includes(snap)) known.sharedBy.push(snap); continue; }
      bad.set(key, {
        path: encodePath(e.path), raw: e.path, snapshot: snap, inode: st?.isFile() ? String(st.ino) : null,
        problem: actual === undefined ? 'missing' : /^[0-9a-f]+$/.test(actual) ? 'content differs from the manifest' : actual,
        algorithm, expected: e.hash, actual: actual !== undefined && /^[0-9a-f]+$/.test(actual) ? actual : null, sharedBy: [snap], intactCopy: null,
      });
    }
  }
  report.inodesRead = hashers.files;
  report.bytesRead = hashers.bytes;
  if (bad.size > 0) await traceMismatches(o, [...bad.values()], hashers, algorithms);
  report.mismatches = [...bad.values()].map(({ raw: _raw, ...m }) => m);
  return report;
}

/** Fill in `sharedBy` over the whole set and find the newest intact copy of each damaged file. */
async function traceMismatches(o: DeepVerifyOptions, bad: (Mismatch & { raw: Buffer })[], hashers: Hashers, algorithms: Map<string, HashAlgorithm>): Promise<void> {
  const newestFirst = [...o.all].reverse();
  const wanted = new Set(bad.map((b) => b.raw.toString('hex')));
  // One pass over each manifest for the hashes the candidates are expected to have.
  const expectedIn = new Map<string, { algorithm?: HashAlgorithm; found: Map<string, string> }>();
  for (const snap of newestFirst) {
    const m = await openManifest(join(o.setDir, snap));
    const found = new Map<string, string>();
    if (m) for await (const e of m.entries) if (wanted.has(e.path.toString('hex'))) found.set(e.path.toString('hex'), e.hash);
    expectedIn.set(snap, { algorithm: m && isHashAlgorithm(m.algorithm) ? m.algorithm : undefined, found });
  }
  for (const b of bad) {
    const shared = new Set(b.sharedBy);
    let older: IntactCopy | null = null;
    for (const snap of newestFirst) {
      const file = abs(join(o.setDir, snap), b.raw);
      const st = tryLstat(file);
      if (!st?.isFile()) continue;
      if (b.inode !== null && String(st.ino) === b.inode) { shared.add(snap); continue; }
      const there = expectedIn.get(snap)!;
      const listed = there.found.get(b.raw.toString('hex'));
      if (listed === undefined || !there.algorithm || b.intactCopy) continue;
      let h: string;
      try { h = (await hashers.get(there.algorithm)).hash(file)!.hash; } catch { continue; }
      if (h !== listed) continue;
      // Intact by its own manifest; the same content as the damaged file had, by the damaged one's hash.
      const theirs = algorithms.get(b.snapshot)!;
      let same = listed === b.expected && there.algorithm === theirs;
      if (there.algorithm !== theirs) try { same = (await hashers.get(theirs)).hash(file)!.hash === b.expected; } catch { /* read above */ }
      if (same) b.intactCopy = { snapshot: snap, file: join(o.setDir, snap, b.path), sameContent: true };
      else older ??= { snapshot: snap, file: join(o.setDir, snap, b.path), sameContent: false };
    }
    b.intactCopy ??= older;
    b.sharedBy = newestFirst.filter((s) => shared.has(s));
  }
}
