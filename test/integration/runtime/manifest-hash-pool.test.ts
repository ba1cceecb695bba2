/**
 * The manifest's hashing on every core (runtime/manifest/hash-pool.ts), against coreutils'
 * sha256sum: past the first INLINE_FILES files, worker threads read and hash, and the lines
 * must still come in walk order, one per regular file, with the right hash.
 * - the pool itself: known and read entries interleaved, a file that cannot be opened
 *   reported in its place, and never more than a bounded number of entries waiting;
 * - a first snapshot through the bundled runtime (the worker's code lives in that one file):
 *   the manifest lists every regular file of the copy, in walk order, with sha256sum's hash.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { HashPool, INLINE_FILES, type HashResult } from '../../../runtime/manifest/hash-pool.ts';
import { comparePaths } from '../../../runtime/manifest/format.ts';
import { openManifest } from '../../../runtime/manifest/read.ts';
import { readMetadata } from '../../../runtime/layout.ts';
import { isRoot, rootNote } from '../../support/needs.ts';
import { runConfigInput } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';

const bundle = join(import.meta.dirname, '../../../dist/linkdest-runtime.mjs');

/** sha256sum of every regular file under `dir`, by raw relative path (latin1 keeps the bytes). */
function sha256sums(dir: string): Map<string, string> {
  const out = execFileSync('sh', ['-c', 'cd "$1" && find . -type f -print0 | xargs -0 sha256sum -z', 'sh', dir], { maxBuffer: 1 << 26 });
  const m = new Map<string, string>();
  for (const rec of out.toString('latin1').split('\0')) {
    if (!rec) continue;
    m.set(rec.slice(66).replace(/^\.\//, ''), rec.slice(0, 64));
  }
  return m;
}

describe('the hash pool', () => {
  // `size` 1: files the walk statted (batched by bytes); undefined: files it did not (hash-pool.ts:
  // facts from the open file, and a large file in a batch of several sent again on its own).
  test.each([['statted', 1], ['not statted', undefined]] as const)('gives every entry back in the order added, hashes as sha256sum, an unopenable file in its place, in bounded memory (files %s)', async (_, size) => {
    const dir = mkdtempSync(join(tmpdir(), 'linkdest-pool-'));
    try {
      const n = INLINE_FILES * 3;
      const added: { name: string; known?: string; bad?: boolean }[] = [];
      for (let i = 0; i < n; i++) {
        const name = `f${i}`;
        if (i % 7 === 3) { added.push({ name, known: `known-${i}` }); continue; }
        if (i % 101 === 50) { symlinkSync('/etc/hostname', join(dir, name)); added.push({ name, bad: true }); continue; }
        // Some files span several of the worker's 1 MiB reads; some pass its 4 MiB batch size.
        writeFileSync(join(dir, name), i % 250 === 0 ? Buffer.alloc((i % 500 === 0 ? 5 << 20 : 3 << 20) + i, i % 256) : `content of ${i}\n`.repeat(i % 40));
        added.push({ name });
      }
      const got: [string, HashResult][] = [];
      let waiting = 0, maxWaiting = 0;
      const pool = new HashPool<string>((tag, r) => { got.push([tag, r]); waiting--; }, 2);
      try {
        for (const a of added) {
          waiting++;
          maxWaiting = Math.max(maxWaiting, waiting);
          const full = a.known ? pool.known(a.name, a.known) : pool.hash(a.name, join(dir, a.name), size);
          if (full) await full;
        }
        await pool.drain();
      } finally {
        await pool.close();
      }
      const sums = sha256sums(dir);
      expect(got.map(([t]) => t)).toEqual(added.map((a) => a.name));
      for (const [i, [, r]] of got.entries()) {
        const a = added[i]!;
        if (a.known) expect(r).toEqual({ hash: a.known });
        else if (a.bad) expect(r).toEqual({ error: 'ELOOP' });
        else {
          const st = lstatSync(join(dir, a.name), { bigint: true });
          expect(r, a.name).toEqual({ hash: sums.get(a.name), st: { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, nlink: st.nlink } });
        }
      }
      expect(pool.files).toBe(added.filter((a) => !a.known && !a.bad).length);
      // The caller that waits when told to never has more than a few batches outstanding.
      expect(maxWaiting).toBeLessThan(2 * 4 * 64 + 2 * 64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!isRoot || !existsSync(bundle))(`a first snapshot's manifest through the bundle${rootNote()}${existsSync(bundle) ? '' : ' (needs npm run build: skipped)'}`, () => {
  test('every regular file of the copy, in walk order, with sha256sum\'s hash', async () => {
    const disk = await makeSmallExt4({ mib: 128 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-pool-run-'));
    try {
      const src = join(work, 'src');
      for (let d = 0; d < 12; d++) mkdirSync(join(src, `d${d}`, 'sub'), { recursive: true });
      for (let i = 0; i < 1500; i++) writeFileSync(join(src, `d${i % 12}`, i % 3 === 0 ? 'sub' : '', `f${i}`), `file ${i}\n`.repeat(i % 300));
      writeFileSync(join(src, 'big'), Buffer.alloc(5 << 20, 7));
      writeFileSync(join(src, 'empty'), '');
      linkSync(join(src, 'd1', 'f1'), join(src, 'd1', 'f1-link'));
      writeFileSync(Buffer.concat([Buffer.from(`${src}/d2/caf`), Buffer.from([0xe9, 0x0a]), Buffer.from('x')]), 'odd name\n');
      const cfgFile = join(work, 'linkdest.json');
      writeFileSync(cfgFile, JSON.stringify(runConfigInput(work, disk.mnt, [src])));
      const r = await execa(process.execPath, [bundle, '--config', cfgFile, 'run'], { reject: false });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);

      const snap = join(disk.mnt, 'set', readdirSync(join(disk.mnt, 'set')).find((n) => /^\d{4}-/.test(n))!);
      const entries = [];
      for await (const e of (await openManifest(snap))!.entries) entries.push(e);
      const paths = entries.map((e) => e.path);
      expect([...paths].sort(comparePaths)).toEqual(paths);
      const copy = sha256sums(join(snap, src.slice(1)));
      expect(copy.size).toBe(1504);
      const prefix = `${src.slice(1)}/`;
      expect(new Map(entries.map((e) => [e.path.toString('latin1').slice(prefix.length), e.hash]))).toEqual(copy);
      expect((await readMetadata(snap))?.manifest).toMatchObject({ files: 1504, hashed: 1504, inherited: 0 });
    } finally {
      await disk.remove();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
