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
import { encodePath } from '../manifest/format.ts';
import { FileHasher } from '../manifest/hash.ts';
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

export async function deepVerify(o: DeepVerifyOptions): Promise<DeepVerifyReport> {
  const hasher = new FileHasher();
  const read = new Map<bigint, string>();
  const bad = new Map<string, Mismatch & { raw: Buffer }>();
  const report: DeepVerifyReport = { snapshots: [], withoutManifest: [], files: 0, inodesRead: 0, bytesRead: 0, skippedBySample: 0, sample: o.sample ?? null, mismatches: [] };
  const hashOf = (ino: bigint, file: Buffer): string => {
    let h = read.get(ino);
    if (h === undefined) {
      try {
        h = hasher.hash(file)!.hash;
      } catch (e) {
        h = `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
      }
      read.set(ino, h);
      o.onRead?.(ino);
    }
    return h;
  };

  for (const snap of [...o.snapshots].reverse()) {
    const dir = join(o.setDir, snap);
    const m = await openManifest(dir);
    if (!m) { report.withoutManifest.push(snap); continue; }
    report.snapshots.push(snap);
    for await (const e of m.entries) {
      report.files++;
      if (report.files % 4096 === 0) { o.signal?.throwIfAborted(); await new Promise(setImmediate); }
      const file = abs(dir, e.path);
      const st = tryLstat(file);
      const key = st?.isFile() ? `i${st.ino}` : `${snap}\0${e.path.toString('hex')}`;
      if (st?.isFile() && o.sample && bucketOf(st.ino, o.sample.buckets) !== o.sample.bucket) { report.skippedBySample++; continue; }
      const actual = st === undefined ? undefined : st.isFile() ? hashOf(st.ino, file) : 'not a regular file';
      if (actual === e.hash) continue;
      const known = bad.get(key);
      if (known) { if (!known.sharedBy.includes(snap)) known.sharedBy.push(snap); continue; }
      bad.set(key, {
        path: encodePath(e.path), raw: e.path, snapshot: snap, inode: st?.isFile() ? String(st.ino) : null,
        problem: actual === undefined ? 'missing' : /^[0-9a-f]+$/.test(actual) ? 'content differs from the manifest' : actual,
        expected: e.hash, actual: actual !== undefined && /^[0-9a-f]+$/.test(actual) ? actual : null, sharedBy: [snap], intactCopy: null,
      });
    }
  }
  report.inodesRead = hasher.files;
  report.bytesRead = hasher.bytes;
  if (bad.size > 0) await traceMismatches(o, [...bad.values()], hasher);
  report.mismatches = [...bad.values()].map(({ raw: _raw, ...m }) => m);
  return report;
}

/** Fill in `sharedBy` over the whole set and find the newest intact copy of each damaged file. */
async function traceMismatches(o: DeepVerifyOptions, bad: (Mismatch & { raw: Buffer })[], hasher: FileHasher): Promise<void> {
  const newestFirst = [...o.all].reverse();
  const wanted = new Set(bad.map((b) => b.raw.toString('hex')));
  // One pass over each manifest for the hashes the candidates are expected to have.
  const expectedIn = new Map<string, Map<string, string>>();
  for (const snap of newestFirst) {
    const m = await openManifest(join(o.setDir, snap));
    const found = new Map<string, string>();
    if (m) for await (const e of m.entries) if (wanted.has(e.path.toString('hex'))) found.set(e.path.toString('hex'), e.hash);
    expectedIn.set(snap, found);
  }
  for (const b of bad) {
    const shared = new Set(b.sharedBy);
    let older: IntactCopy | null = null;
    for (const snap of newestFirst) {
      const file = abs(join(o.setDir, snap), b.raw);
      const st = tryLstat(file);
      if (!st?.isFile()) continue;
      if (b.inode !== null && String(st.ino) === b.inode) { shared.add(snap); continue; }
      const listed = expectedIn.get(snap)!.get(b.raw.toString('hex'));
      if (listed === undefined || b.intactCopy) continue;
      let h: string;
      try { h = hasher.hash(file)!.hash; } catch { continue; }
      if (h !== listed) continue;
      if (listed === b.expected) b.intactCopy = { snapshot: snap, file: join(o.setDir, snap, b.path), sameContent: true };
      else older ??= { snapshot: snap, file: join(o.setDir, snap, b.path), sameContent: false };
    }
    b.intactCopy ??= older;
    b.sharedBy = newestFirst.filter((s) => shared.has(s));
  }
}
