/**
 * Checksum manifests and `verify --deep` on a real ext4 loop disk, through real runs and the
 * bundled host CLI: a run hashes only what changed (the writer's read counter), a byte
 * flipped in a shared inode (same size, mtime restored) makes `verify --deep` exit 1 and
 * name the file, every snapshot sharing the inode and the newest intact copy; restored, 0.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { hashedSplit } from './support/rsync-hashes.ts';
import { backup } from '../../../runtime/backup.ts';
import { readMetadata } from '../../../runtime/layout.ts';
import { openManifest } from '../../../runtime/manifest/read.ts';
import { entryLine, headerLine, MANIFEST_FILE } from '../../../runtime/manifest/format.ts';
import { isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';

const repoRoot = join(import.meta.dirname, '../../..');
const bundle = join(repoRoot, 'dist/linkdest-runtime.mjs');
const base = (p: string): string => p.split('/').pop()!;

/** Flip one byte in place: same inode, same size, mtime put back to the nanosecond. */
function flipByte(file: string, offset: number): void {
  const ref = `${file}.mtime-ref`;
  execFileSync('touch', ['-r', file, ref]);
  const before = readFileSync(file);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from([before[offset]! ^ 0x01]), 0, 1, offset);
  closeSync(fd);
  execFileSync('touch', ['-r', ref, file]);
  rmSync(ref);
}

describe.skipIf(!isRoot || !existsSync(bundle))(`checksum manifests and verify --deep on ext4${rootNote()}${existsSync(bundle) ? '' : ' (needs npm run build: skipped)'}`, () => {
  test('runs hash only what changed; a flipped byte is found, traced through the set, and cleared once restored', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-verify-'));
    try {
      const src = join(work, 'src');
      mkdirSync(join(src, 'many'), { recursive: true });
      for (let i = 0; i < 200; i++) writeFileSync(join(src, 'many', `f${i}`), `file ${i}\n`.repeat(50 + i));
      writeFileSync(join(src, 'same.txt'), 'the same content all along\n'.repeat(100));
      writeFileSync(join(src, 'doc.txt'), 'version 1\n'.repeat(100));
      // A name that is not UTF-8 and holds a newline: the manifest keeps it exactly.
      const odd = Buffer.concat([Buffer.from(`${src}/caf`), Buffer.from([0xe9, 0x0a]), Buffer.from('x')]);
      writeFileSync(odd, 'odd name\n');
      const cfg = runConfig(work, disk.mnt, [src]);
      const cfgFile = join(work, 'linkdest.json');
      writeFileSync(cfgFile, JSON.stringify(cfg));
      const set = join(disk.mnt, 'set');
      const snap = async (): Promise<string> => {
        await new Promise((r) => setTimeout(r, 1100));
        const o = await backup(cfg, memoryLogger());
        expect(o.errors).toEqual([]);
        return base(o.snapshot!);
      };
      const total = 203;

      const s1 = await snap();
      expect((await readMetadata(join(set, s1)))?.manifest).toMatchObject({ files: total, ...hashedSplit(total), inherited: 0 });
      writeFileSync(join(src, 'doc.txt'), 'version 2\n'.repeat(100));
      writeFileSync(join(src, 'many', 'f7'), 'changed\n');
      const s2 = await snap();
      // 2 of 203 changed (1 %): exactly those two were hashed (by rsync as it wrote them).
      expect((await readMetadata(join(set, s2)))?.manifest).toMatchObject({ files: total, ...hashedSplit(2), inherited: total - 2 });
      // Touched, not changed: copied anew (new inode), same content.
      execFileSync('touch', [join(src, 'same.txt')]);
      const s3 = await snap();
      expect((await readMetadata(join(set, s3)))?.manifest).toMatchObject({ files: total, ...hashedSplit(1), inherited: total - 1 });
      const entries = [];
      for await (const e of (await openManifest(join(set, s3)))!.entries) entries.push(e);
      expect(entries.map((e) => e.path.toString('latin1'))).toContain(`${src.slice(1)}/caf\xe9\nx`);

      const verify = (...args: string[]) => execa(process.execPath, [bundle, '--config', cfgFile, 'verify', '--deep', ...args], { reject: false });
      expect((await verify('--all')).exitCode).toBe(0);

      const rel = src.slice(1);
      const same = (s: string): string => join(set, s, rel, 'same.txt');
      const doc = (s: string): string => join(set, s, rel, 'doc.txt');
      expect(statSync(same(s1)).ino).toBe(statSync(same(s2)).ino);
      expect(statSync(same(s3)).ino).not.toBe(statSync(same(s2)).ino);
      const good = readFileSync(doc(s3));
      flipByte(same(s2), 100);
      flipByte(doc(s3), 5);

      const human = await verify('--all');
      expect(human.exitCode).toBe(1);
      expect(human.stdout).toContain(`MISMATCH ${rel}/same.txt in ${s2}: content differs from the manifest`);
      expect(human.stdout).toContain(`the same damaged inode is in 2 snapshot(s): ${s2}, ${s1}`);
      expect(human.stdout).toContain(`restore from ${s3}: ${same(s3)} (same content, intact)`);
      const j = await verify('--all', '--json');
      expect(j.exitCode).toBe(1);
      const report = JSON.parse(j.stdout) as { deep: { mismatches: { path: string; snapshot: string; sharedBy: string[]; intactCopy: { snapshot: string; sameContent: boolean } | null }[]; inodesRead: number } };
      expect(report.deep.mismatches.map((m) => [m.path, m.snapshot, m.sharedBy, m.intactCopy?.snapshot, m.intactCopy?.sameContent]).sort()).toEqual([
        [`${rel}/doc.txt`, s3, [s3, s2], s1, false],
        [`${rel}/same.txt`, s2, [s2, s1], s3, true],
      ].sort());
      // Each inode read once: 203 in s3, plus s2's other same.txt and f7, plus s1's doc.txt and f7.
      expect(report.deep.inodesRead).toBe(total + 1 + 2);
      // The newest snapshot alone: only the damage it holds.
      const newest = JSON.parse((await verify('--json')).stdout) as typeof report;
      expect(newest.deep.mismatches.map((m) => m.path)).toEqual([`${rel}/doc.txt`]);

      // Restore the good copies in place (the shared inodes heal in every snapshot).
      execFileSync('cp', ['--preserve=timestamps', same(s3), same(s2)]);
      writeFileSync(doc(s3), good);
      const after = await verify('--all');
      expect(after.exitCode, after.stdout).toBe(0);
      expect(after.stdout).toContain('no mismatch');
    } finally {
      rmSync(work, { recursive: true, force: true });
      await disk.remove();
    }
  }, 120_000);

  // Snapshots made before xxh128 carry SHA-256 manifests: they stay verifiable beside the new
  // ones (an inode shared across the two is read once for each hash), and the first run after
  // one hashes every file once (what rsync wrote, rsync hashed).
  test('a set whose older snapshot has a SHA-256 manifest: the next run hashes everything once, verify --deep checks both', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-verify-mixed-'));
    try {
      const src = join(work, 'src');
      mkdirSync(join(src, 'many'), { recursive: true });
      for (let i = 0; i < 50; i++) writeFileSync(join(src, 'many', `f${i}`), `file ${i}\n`.repeat(20 + i));
      writeFileSync(join(src, 'same.txt'), 'the same content all along\n'.repeat(100));
      writeFileSync(join(src, 'doc.txt'), 'version 1\n'.repeat(100));
      const cfg = runConfig(work, disk.mnt, [src]);
      const cfgFile = join(work, 'linkdest.json');
      writeFileSync(cfgFile, JSON.stringify(cfg));
      const set = join(disk.mnt, 'set');
      const total = 52;
      const s1 = base((await backup(cfg, memoryLogger())).snapshot!);
      // s1 as an older linkdest wrote it: the same lines with SHA-256 hashes.
      const old = [headerLine('sha256')];
      for await (const e of (await openManifest(join(set, s1)))!.entries) {
        old.push(entryLine({ ...e, hash: createHash('sha256').update(readFileSync(Buffer.concat([Buffer.from(`${join(set, s1)}/`), e.path]))).digest('hex') }));
      }
      writeFileSync(join(set, s1, MANIFEST_FILE), gzipSync(old.join('')));

      await new Promise((r) => setTimeout(r, 1100));
      writeFileSync(join(src, 'doc.txt'), 'version 2\n'.repeat(100));
      const log = memoryLogger();
      const o = await backup(cfg, log);
      expect(o.errors).toEqual([]);
      const s2 = base(o.snapshot!);
      expect(log.text()).toContain('the previous manifest uses sha256, not xxh128: hashing every file this once');
      expect((await readMetadata(join(set, s2)))?.manifest).toMatchObject({ algorithm: 'xxh128', files: total, ...hashedSplit(1, total - 1), inherited: 0 });

      const verify = (...args: string[]) => execa(process.execPath, [bundle, '--config', cfgFile, 'verify', '--deep', ...args], { reject: false });
      const clean = JSON.parse((await verify('--all', '--json')).stdout) as { deep: { mismatches: unknown[]; inodesRead: number } };
      expect(clean.deep.mismatches).toEqual([]);
      // Every inode of each snapshot read for its own hash: the 51 shared ones twice.
      expect(clean.deep.inodesRead).toBe(2 * total);

      const rel = src.slice(1);
      flipByte(join(set, s2, rel, 'same.txt'), 10);
      const bad = await verify('--all');
      expect(bad.exitCode).toBe(1);
      expect(bad.stdout).toContain(`MISMATCH ${rel}/same.txt in ${s2}: content differs from the manifest`);
      expect(bad.stdout).toContain(`the same damaged inode is in 2 snapshot(s): ${s2}, ${s1}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
      await disk.remove();
    }
  }, 120_000);
});
