/**
 * The disk fills up DURING the copy (ENOSPC from rsync on a real small ext4): prune one
 * more snapshot and retry when the policy allows; otherwise fail, keep the partial, and
 * let a later run with room resume it instead of copying everything again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { listSet } from '../../../runtime/layout.ts';
import { spaceOf } from '../../../runtime/space.ts';
import { isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';

const MiB = 1024 * 1024;
const FILES = 4;
const SIZE = 6 * MiB;
let round = 0;

/** FILES new files of about SIZE each: one snapshot needs FILES * SIZE of fresh blocks. */
function refill(src: string): void {
  round++;
  for (let i = 0; i < FILES; i++) writeFileSync(join(src, `f${i}`), randomBytes(SIZE - 4096 * round));
}
const sha = (p: string): string => createHash('sha1').update(readFileSync(p)).digest('hex');
const sameContent = (snapshot: string, src: string): boolean =>
  Array.from({ length: FILES }, (_, i) => `f${i}`).every((f) => sha(join(snapshot, src.slice(1), f)) === sha(join(src, f)));

describe.skipIf(!isRoot)(`disk full during the copy on a real ext4${rootNote()}`, () => {
  test('ENOSPC: the oldest snapshot is pruned (reason disk-full) and the copy retried into the same partial', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-full-'));
    try {
      const src = join(work, 'src');
      mkdirSync(src);
      // Thresholds 0: nothing is pruned before the copy, so the third copy runs into a full disk.
      const cfg = runConfig(work, disk.mnt, [src], { retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 } });
      const made: string[] = [];
      for (let run = 1; run <= 2; run++) {
        refill(src);
        const o = await backup(cfg, memoryLogger());
        expect(o.errors).toEqual([]);
        made.push(o.snapshot!.split('/').pop()!);
      }
      expect((await spaceOf(disk.mnt)).freeBytes).toBeLessThan(FILES * SIZE);
      refill(src);
      const log = memoryLogger();
      const third = await backup(cfg, log);
      expect(third.errors).toEqual([]);
      expect(third.pruned.map((p) => [p.name, p.reason])).toEqual([[made[0], 'disk-full']]);
      expect(log.lines.some((l) => /^warn .*no space left on the destination \(rsync exit \d+\): pruned one snapshot, retrying$/.test(l))).toBe(true);
      expect(sameContent(third.snapshot!, src)).toBe(true);
      const set = await listSet(join(disk.mnt, 'set'));
      expect(set.complete).toEqual([made[1], third.snapshot!.split('/').pop()]);
      expect(set.partials).toEqual([]);
    } finally {
      await disk.remove();
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('ENOSPC with nothing prunable: the run fails clearly, the partial stays, the next run with room resumes it', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-full-'));
    try {
      const src = join(work, 'src');
      mkdirSync(src);
      // Ballast leaves room for one snapshot and a bit: the second copy fits 1 file, not 4.
      const ballast = join(disk.mnt, 'ballast');
      const free = (await spaceOf(disk.mnt)).freeBytes;
      writeFileSync(ballast, randomBytes(free - FILES * SIZE - 1.5 * SIZE));
      const cfg = runConfig(work, disk.mnt, [src], { retention: { keep_min: 2, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 } });
      refill(src);
      const first = await backup(cfg, memoryLogger());
      expect(first.errors).toEqual([]);

      refill(src);
      const failed = await backup(cfg, memoryLogger());
      expect(failed.snapshot).toBeUndefined();
      expect(failed.pruned).toEqual([]);
      expect(failed.errors).toHaveLength(1);
      expect(failed.errors[0]).toMatch(new RegExp(`^snapshot: ${src}: no space left on the destination \\(rsync exit \\d+\\); nothing more may be pruned\\. The partial (\\S+)\\.partial is kept and the next run resumes it$`));
      const set = join(disk.mnt, 'set');
      const partial = (await listSet(set)).partials;
      expect(partial).toHaveLength(1);
      expect((await listSet(set)).complete).toEqual([first.snapshot!.split('/').pop()]);

      unlinkSync(ballast);
      const log = memoryLogger();
      const resumed = await backup(cfg, log);
      expect(resumed.errors).toEqual([]);
      expect(log.lines).toContain(`info resuming the partial snapshot ${partial[0]} left by an interrupted run, as ${resumed.snapshot!.split('/').pop()}`);
      // What the failed run finished copying is reused, not copied again.
      expect(resumed.stats!.filesTransferred).toBeLessThan(FILES);
      expect(resumed.stats!.filesTransferred).toBeGreaterThan(0);
      expect(sameContent(resumed.snapshot!, src)).toBe(true);
      expect((await listSet(set)).partials).toEqual([]);
      expect((await listSet(set)).complete).toHaveLength(2);
    } finally {
      await disk.remove();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
