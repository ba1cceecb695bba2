/**
 * Retention by free space and free inodes on a REAL small ext4 (loop device): snapshots
 * accumulate until the thresholds force the oldest out. Thresholds are derived from what
 * the first snapshot really cost on this filesystem, so the test does not depend on ext4's
 * overhead figures. The disk-full cases (ENOSPC during the copy) are in disk-full.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { backup, type BackupOutcome } from '../../../runtime/backup.ts';
import type { RuntimeConfig } from '../../../runtime/config.ts';
import { listSet } from '../../../runtime/layout.ts';
import { runNightly } from '../../../runtime/run.ts';
import { spaceOf } from '../../../runtime/space.ts';
import { isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { startSmtpServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4, type SmallExt4 } from './support/small-ext4.ts';

const MiB = 1024 * 1024;
const U = 8 * MiB;

interface Bed { disk: SmallExt4; work: string; src: string; set: string }

async function withBed(opts: { inodes?: number }, body: (b: Bed) => Promise<void>): Promise<void> {
  const disk = await makeSmallExt4({ mib: 64, inodes: opts.inodes });
  const work = mkdtempSync(join(tmpdir(), 'linkdest-space-'));
  try {
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'same.txt'), 'never changes\n');
    await body({ disk, work, src, set: join(disk.mnt, 'set') });
  } finally {
    await disk.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * New content of about U bytes: every snapshot costs U of fresh blocks. The size changes
 * too, so the change is seen whatever mtime precision the small ext4 keeps.
 */
let round = 0;
const changeBig = (src: string): void => writeFileSync(join(src, 'big'), randomBytes(U - 4096 * (++round % 64)));
/** `n` fresh small files (new size, see above): every snapshot costs at least n new inodes. */
function changeSmall(src: string, n: number): void {
  mkdirSync(join(src, 'small'), { recursive: true });
  round++;
  for (let i = 0; i < n; i++) writeFileSync(join(src, 'small', `f${i}`), randomBytes(1 + (round % 64)));
}

function retention(over: Partial<RuntimeConfig['retention']>): RuntimeConfig['retention'] {
  return { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0, ...over };
}

async function snap(cfg: RuntimeConfig, src: string, change: (s: string) => void): Promise<BackupOutcome> {
  change(src);
  const o = await backup(cfg, memoryLogger());
  expect(o.errors).toEqual([]);
  return o;
}

const names = async (set: string): Promise<string[]> => (await listSet(set)).complete;
const inode = (p: string): number => statSync(p).ino;

describe.skipIf(!isRoot)(`space and inode retention on a real ext4${rootNote()}`, () => {
  test('free space: the oldest snapshots go first until min_free_before is met; keep_min and the newest stay', async () => {
    await withBed({}, async ({ disk, work, src, set }) => {
      const f0 = (await spaceOf(disk.mnt)).freeBytes;
      // Room for three snapshots above the threshold, not four.
      const cfg = runConfig(work, disk.mnt, [src], { retention: retention({ keep_min: 2, min_free_before: f0 - 2.5 * U }) });
      const made: string[] = [];
      for (let run = 1; run <= 6; run++) {
        const before = await names(set);
        const o = await snap(cfg, src, changeBig);
        made.push(o.snapshot!.split('/').pop()!);
        if (run <= 3) expect(o.pruned).toEqual([]);
        else expect(o.pruned.map((p) => [p.name, p.reason])).toEqual([[before[0], 'space']]);
        expect(o.spaceBefore!.freeBytes).toBeGreaterThanOrEqual(cfg.retention.min_free_before);
        expect(o.warnings).toEqual([]);
      }
      expect(await names(set)).toEqual(made.slice(3));
      // Every snapshot still there shares the unchanged file: the links survived the deletions.
      const ids = new Set((await names(set)).map((n) => inode(join(set, n, src.slice(1), 'same.txt'))));
      expect(ids.size).toBe(1);
      // Deletion leaves nothing behind in the set directory.
      expect((await listSet(set)).deleting).toEqual([]);
    });
  });

  test('after the snapshot: min_free_after prunes the oldest, never the snapshot just written', async () => {
    await withBed({}, async ({ disk, work, src, set }) => {
      const f0 = (await spaceOf(disk.mnt)).freeBytes;
      const cfg = runConfig(work, disk.mnt, [src], { retention: retention({ keep_min: 1, min_free_after: f0 - 2.5 * U }) });
      const first = await snap(cfg, src, changeBig);
      await snap(cfg, src, changeBig);
      const third = await snap(cfg, src, changeBig);
      expect(third.pruned.map((p) => [p.name, p.reason])).toEqual([[first.snapshot!.split('/').pop(), 'space']]);
      expect(third.spaceAfter!.freeBytes).toBeGreaterThanOrEqual(cfg.retention.min_free_after);
      expect((await names(set)).at(-1)).toBe(third.snapshot!.split('/').pop());
    });
  });

  test('free inodes: min_inodes_before prunes the oldest on a filesystem with few inodes', async () => {
    await withBed({ inodes: 128 }, async ({ disk, work, src, set }) => {
      const i0 = (await spaceOf(disk.mnt)).freeInodes;
      const plain = runConfig(work, disk.mnt, [src]);
      const first = await snap(plain, src, (s) => changeSmall(s, 12));
      const cost = i0 - first.spaceAfter!.freeInodes;
      expect(cost).toBeGreaterThanOrEqual(12);
      const cfg = runConfig(work, disk.mnt, [src], { retention: retention({ keep_min: 1, min_inodes_before: Math.floor(i0 - 2.5 * cost) }) });
      await snap(cfg, src, (s) => changeSmall(s, 12));
      await snap(cfg, src, (s) => changeSmall(s, 12));
      const before = await names(set);
      const fourth = await snap(cfg, src, (s) => changeSmall(s, 12));
      expect(fourth.pruned.map((p) => p.reason)).toContain('inodes');
      expect(fourth.pruned[0]!.name).toBe(before[0]);
      expect(fourth.spaceBefore!.freeInodes).toBeGreaterThanOrEqual(cfg.retention.min_inodes_before);
      expect((await names(set))).not.toContain(first.snapshot!.split('/').pop());
    });
  });

  test('thresholds that cannot be met: keep_min holds, the run warns (exit 2), the log and the mail say why', async () => {
    const smtp = await startSmtpServer();
    try {
      await withBed({}, async ({ disk, work, src, set }) => {
        const f0 = (await spaceOf(disk.mnt)).freeBytes;
        const cfg = runConfig(work, disk.mnt, [src], {
          retention: retention({ keep_min: 3, min_free_before: f0 - 1.5 * U }),
          report: { mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'report', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } } },
        });
        const fast = { report: { mailRetryBudgetMs: 0, mail: { timeoutMs: 5_000 } } };
        changeBig(src);
        expect((await runNightly(cfg, fast)).status).toBe('ok');
        changeBig(src);
        expect((await runNightly(cfg, fast)).status).toBe('ok');
        changeBig(src);
        const r = await runNightly(cfg, fast);
        expect(r.pruned).toEqual([]);
        expect(r.snapshotCount).toBe(3);
        expect(await names(set)).toHaveLength(3);
        expect([r.status, r.exitCode]).toEqual(['warning', 2]);
        const want = 'before the snapshot: free space below the threshold, but nothing more may be pruned: only 2 complete snapshot(s) left, keep_min is 3';
        expect(r.warnings.join('\n')).toContain(want);
        expect(readFileSync(r.logFile!, 'utf8')).toContain(want);
        const mail = smtp.received.at(-1)!;
        expect(mail.subject).toMatch(/: WARNING \(/);
        expect(mail.body.replace(/\s+/g, ' ')).toContain(`Warning: ${want}`);
      });
    } finally {
      await smtp.close();
    }
  });

  test('keep_min 0 and a threshold no deletion can meet: everything but the newest (the link source) goes, then a warning', async () => {
    await withBed({}, async ({ work, disk, src, set }) => {
      const plain = runConfig(work, disk.mnt, [src], { retention: retention({ keep_min: 0 }) });
      await snap(plain, src, changeBig);
      const second = await snap(plain, src, changeBig);
      const cfg = runConfig(work, disk.mnt, [src], { retention: retention({ keep_min: 0, min_free_before: 1024 ** 4 }) });
      changeBig(src);
      const o = await backup(cfg, memoryLogger());
      expect(o.errors).toEqual([]);
      expect(o.pruned.map((p) => p.reason)).toEqual(['space']);
      const left = await names(set);
      expect(left).toEqual([second.snapshot!.split('/').pop(), o.snapshot!.split('/').pop()]);
      expect(o.warnings.join('\n')).toMatch(/before the snapshot: free space below the threshold, but nothing more may be pruned: every remaining snapshot is protected/);
      // It stayed because it was the link source: the new snapshot shares its unchanged file.
      expect(inode(join(o.snapshot!, src.slice(1), 'same.txt'))).toBe(inode(join(second.snapshot!, src.slice(1), 'same.txt')));
    });
  });
});
