/**
 * The manifest's coverage (runtime/manifest/coverage.ts, issue 13): files the pre-link pass
 * hard-linked take their line from the previous manifest without an lstat. A wrong line is a
 * false integrity verdict, so over generated trees and change sets (two sources, one nested
 * in the other, new and vanished directories, rewrites, renames, hard links, mode changes)
 * the manifest of the second snapshot must equal, line for line, a full walk of that
 * snapshot with a fresh sha256 of every file (`manifestProblem`, the fuzzer's I5). Real runs
 * (`backup()`, the nightly run's code), real rsync, real files.
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { readMetadata } from '../../../runtime/layout.ts';
import { setManifestStatHook, setMergeAheadHooks } from '../../../runtime/test-points.ts';
import { censusProblem, manifestProblem } from './support/engine-fuzz.ts';
import { runConfig } from './support/run-config.ts';
import { ManifestTestWork } from './support/manifest-test-work.ts';
import { commandNote, hasCommand } from '../../support/needs.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const DIRS = ['a', 'a/b', 'a/b/c', 'inner', 'inner/d', 'e', 'e/f'];
type Change = { op: 'rewrite' | 'append' | 'delete' | 'chmod' | 'rename' | 'link' | 'newFile' | 'newDir' | 'dropDir'; file: number; dir: number };
const changeArb: fc.Arbitrary<Change> = fc.record({
  op: fc.constantFrom('rewrite', 'append', 'delete', 'chmod', 'rename', 'link', 'newFile', 'newDir', 'dropDir'),
  file: fc.nat({ max: 200 }), dir: fc.nat({ max: DIRS.length - 1 }),
});
interface Case { files: { dir: number; size: number }[]; changes: Change[]; nested: boolean }
const caseArb: fc.Arbitrary<Case> = fc.record({
  files: fc.array(fc.record({ dir: fc.nat({ max: DIRS.length }), size: fc.constantFrom(0, 1, 300, 5000) }), { minLength: 5, maxLength: 40 }),
  changes: fc.array(changeArb, { maxLength: 6 }),
  nested: fc.boolean(),
});

const work = new ManifestTestWork();

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else if (d.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

function applyChange(src: string, c: Change, n: number): void {
  const files = listFiles(src);
  const f = files.length > 0 ? join(src, files[c.file % files.length]!) : undefined;
  const d = join(src, DIRS[c.dir]!);
  switch (c.op) {
    case 'rewrite': if (f) writeFileSync(f, `changed ${n}`); break;
    case 'append': if (f) appendFileSync(f, 'x'); break;
    case 'delete': if (f) rmSync(f); break;
    case 'chmod': if (f) chmodSync(f, 0o600); break;
    case 'rename': if (f) renameSync(f, `${f}.moved${n}`); break;
    case 'link': if (f) linkSync(f, `${f}.link${n}`); break;
    case 'newFile': mkdirSync(d, { recursive: true }); writeFileSync(join(d, `new${n}`), `new ${n}`); break;
    case 'newDir': mkdirSync(join(d, `nd${n}`), { recursive: true }); writeFileSync(join(d, `nd${n}`, 'f'), `nd ${n}`); break;
    // The inner source must stay a directory (a missing source fails the run by design).
    case 'dropDir': if (DIRS[c.dir] !== 'inner') rmSync(d, { recursive: true, force: true }); break;
  }
}

async function twoSnapshots(c: Case, beforeSecond?: () => void): Promise<{ snap: string; prev: string; linked: number }> {
  const dir = work.fresh('linkdest-mcov-');
  const src = join(dir, 'src');
  const dest = join(dir, 'dest');
  mkdirSync(dest);
  writeFileSync(join(dest, '.linkdest-backup'), '');
  for (const dir of DIRS) mkdirSync(join(src, dir), { recursive: true });
  c.files.forEach((f, i) => writeFileSync(join(src, DIRS[f.dir] ?? '', `f${i}`), Buffer.alloc(f.size, i)));
  const sources = c.nested ? [src, join(src, 'inner')] : [src];
  const cfg = runConfig(dir, dest, sources, { rsync: { acls: false, xattrs: false } });
  const log = createLogger({ stdout: false });
  const first = await backup(cfg, log);
  expect(first.errors).toEqual([]);
  await sleep(1100);
  c.changes.forEach((ch, i) => applyChange(src, ch, i));
  beforeSecond?.();
  const second = await backup(cfg, log);
  expect(second.errors).toEqual([]);
  const meta = await readMetadata(second.snapshot!);
  return { snap: second.snapshot!, prev: first.snapshot!, linked: meta?.manifest?.linked ?? 0 };
}

test.skipIf(!hasCommand('rsync'))(`over generated trees and changes, the manifest with coverage equals a full walk with fresh hashes${commandNote('rsync')}`, async () => {
  let linkedRuns = 0;
  await fc.assert(fc.asyncProperty(caseArb, async (c) => {
    try {
      const { snap, linked } = await twoSnapshots(c);
      if (linked > 0) linkedRuns++;
      expect(await manifestProblem(snap)).toBeUndefined();
    } finally {
      work.clear();
    }
  }), { numRuns: Number(process.env.LINKDEST_MCOV_CASES ?? 12), seed: 2126 });
  // The property proved something only if the pre-linked path was taken.
  expect(linkedRuns).toBeGreaterThan(0);
}, 600_000);

test.skipIf(!hasCommand('rsync'))(`over generated trees and changes, a manifest merged beside rsync (to its end, or to a cap) equals a full walk, and so does the census${commandNote('rsync')}`, async () => {
  // One source, or two (the inner one's rsync last: the merge starts with it, manifest/ahead-gate.ts);
  // the last rsync held until that merge stops.
  const stopped: string[] = [];
  let nestedMerged = 0;
  await fc.assert(fc.asyncProperty(caseArb, fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }), async (c, limit) => {
    try {
      let done!: () => void;
      const ran = new Promise<void>((r) => { done = r; });
      let rsyncs = 0;
      const { snap } = await twoSnapshots(c, () => setMergeAheadHooks({
        limit, stopped: (why) => { stopped.push(why); done(); },
        beforeRsync: async () => { if (++rsyncs === (c.nested ? 2 : 1)) await Promise.race([ran, sleep(20_000)]); },
      }));
      setMergeAheadHooks(undefined);
      if (c.nested && (await readMetadata(snap))?.manifest?.alongsideLines) nestedMerged++;
      const src = join(work.dir, 'src');
      expect(await manifestProblem(snap)).toBeUndefined();
      expect(await censusProblem(snap, c.nested ? [src, join(src, 'inner')] : [src])).toBeUndefined();
    } finally {
      work.clear();
    }
  }), { numRuns: Number(process.env.LINKDEST_MCOV_CASES ?? 12), seed: 2127 });
  // Both ends were met: merges that walked the whole tree ahead, and merges stopped at the cap;
  // and some ran beside the inner source's rsync.
  expect(stopped).toContain('walked');
  expect(stopped).toContain('held');
  expect(nestedMerged).toBeGreaterThan(0);
}, 600_000);

test.skipIf(!hasCommand('rsync'))(`the manifest stats no file the pre-link pass linked: only what rsync wrote${commandNote('rsync')}`, async () => {
  const c: Case = {
    files: Array.from({ length: 120 }, (_, i) => ({ dir: i % (DIRS.length + 1), size: 100 })),
    changes: [{ op: 'rewrite', file: 3, dir: 0 }, { op: 'newFile', file: 0, dir: 2 }, { op: 'append', file: 50, dir: 0 }],
    nested: true,
  };
  const statted: string[] = [];
  const { snap, prev } = await twoSnapshots(c, () => setManifestStatHook((p) => statted.push(p.toString())));
  setManifestStatHook(undefined);
  // Each statted file is one rsync wrote: it shares no inode with the previous snapshot.
  const prevInodes = new Set(listFiles(prev).map((f) => lstatSync(join(prev, f)).ino));
  // Statted inside the partial, which the commit renamed to `snap`.
  const inSnap = statted.map((p) => join(snap, p.slice(p.indexOf('.partial/') + '.partial/'.length)));
  const linkedStatted = inSnap.filter((p) => prevInodes.has(lstatSync(p).ino));
  expect(linkedStatted).toEqual([]);
  expect(statted.length).toBe(3);
  expect(await manifestProblem(snap)).toBeUndefined();
}, 120_000);

test.skipIf(!hasCommand('rsync'))(`an entry the pre-link pass listed but rsync never wrote (an exclude) is in neither the manifest nor the counts${commandNote('rsync')}`, async () => {
  // The manifest's walk takes a walked directory's names from the pass's listing instead of
  // reading it: a listed name rsync filtered out must not become a manifest line or an entry.
  const dir = work.fresh('linkdest-mcov-');
  const src = join(dir, 'src');
  const dest = join(dir, 'dest');
  mkdirSync(join(src, 'a', 'b'), { recursive: true });
  mkdirSync(dest);
  writeFileSync(join(dest, '.linkdest-backup'), '');
  for (let i = 0; i < 20; i++) writeFileSync(join(src, 'a', i % 2 ? 'b' : '', `f${i}`), `file ${i}`);
  const cfg = runConfig(dir, dest, [src], { rsync: { acls: false, xattrs: false }, exclude: ['*.skip'] });
  const log = createLogger({ stdout: false });
  expect((await backup(cfg, log)).errors).toEqual([]);
  await sleep(1100);
  writeFileSync(join(src, 'a', 'new.skip'), 'kept out');
  mkdirSync(join(src, 'a', 'b', 'dir.skip'));
  writeFileSync(join(src, 'a', 'b', 'new.keep'), 'kept');
  const second = await backup(cfg, log);
  expect(second.errors).toEqual([]);
  const snap = second.snapshot!;
  const meta = (await readMetadata(snap))!;
  expect(meta.manifest?.linked).toBe(20);
  expect(await manifestProblem(snap)).toBeUndefined();
  const copy = join(snap, src.replace(/^\//, ''));
  const onDisk = 1 + listFiles(copy).length + ['a', 'a/b'].length;
  expect(listFiles(copy)).not.toContain('a/new.skip');
  expect(meta.perSource![src]!.files).toBe(onDisk);
  expect(meta.perSource![src]!.regular).toBe(21);
}, 120_000);
