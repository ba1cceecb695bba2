/**
 * Pinned snapshots on real filesystems: pins survive space pruning on a real small ext4
 * (loop device) and thinning of three months of fabricated snapshots through the host CLI;
 * thresholds the pins keep from being met are a warning that names them (run result and
 * log); the pin lives beside the snapshot, whose tree stays exactly as it was.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import type { RuntimeConfig } from '../../../runtime/config.ts';
import { listSet } from '../../../runtime/layout.ts';
import { pinSnapshot, unpinSnapshot } from '../../../runtime/ops/pin.ts';
import { runNightly } from '../../../runtime/run.ts';
import { spaceOf } from '../../../runtime/space.ts';
import { isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';
import { describeTree } from './support/tree.ts';

const root = join(import.meta.dirname, '../../..');
const MiB = 1024 * 1024;
const U = 8 * MiB;
const base = (p: string): string => p.split('/').pop()!;

describe.skipIf(!isRoot)(`pins and space pruning on a real ext4${rootNote()}`, () => {
  test('a pinned snapshot outlives space pruning; pins that hold the threshold are named; unpinned, it goes', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-pins-'));
    try {
      const src = join(work, 'src');
      mkdirSync(src);
      writeFileSync(join(src, 'same.txt'), 'never changes\n');
      const set = join(disk.mnt, 'set');
      const f0 = (await spaceOf(disk.mnt)).freeBytes;
      // Room for three snapshots of U above the threshold, not four.
      const cfg: RuntimeConfig = runConfig(work, disk.mnt, [src], {
        retention: { keep_min: 1, min_free_before: f0 - 2.5 * U, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
      });
      let round = 0;
      const snap = async (): Promise<{ name: string; pruned: string[] }> => {
        writeFileSync(join(src, 'big'), randomBytes(U - 4096 * ++round));
        const o = await backup(cfg, memoryLogger());
        expect(o.errors).toEqual([]);
        expect(o.warnings).toEqual([]);
        return { name: base(o.snapshot!), pruned: o.pruned.map((p) => `${p.name} ${p.reason}`) };
      };
      const [s1, s2, s3] = [await snap(), await snap(), await snap()];
      const tree = describeTree(join(set, s1.name));
      expect(await pinSnapshot(cfg, s1.name, 'before the upgrade', memoryLogger())).toMatchObject({ snapshot: s1.name, pinned: true, changed: true, note: 'before the upgrade' });

      // The oldest is pinned: the next oldest goes instead, run after run.
      const s4 = await snap();
      expect(s4.pruned).toEqual([`${s2.name} space`]);
      const s5 = await snap();
      expect(s5.pruned).toEqual([`${s3.name} space`]);
      expect((await listSet(set)).complete).toEqual([s1.name, s4.name, s5.name]);
      // The pin is beside the snapshot, 0600: the snapshot's tree is exactly as it was.
      expect(describeTree(join(set, s1.name))).toEqual(tree);
      expect(statSync(join(set, '.pins', s1.name)).mode & 0o777).toBe(0o600);
      expect(statSync(join(set, '.pins')).mode & 0o777).toBe(0o700);

      // Two pins and keep_min 1: the threshold cannot be met, and the warning names the pins.
      await pinSnapshot(cfg, s4.name, undefined, memoryLogger());
      writeFileSync(join(src, 'big'), randomBytes(U - 4096 * ++round));
      const r = await runNightly(cfg);
      expect([r.status, r.exitCode, r.pruned]).toEqual(['warning', 2, []]);
      const want = `before the snapshot: free space below the threshold, but nothing more may be pruned: only 1 complete snapshot(s) left besides the pinned, keep_min is 1; pinned, so never pruned until unpinned: ${s1.name}, ${s4.name}`;
      expect(r.warnings).toEqual([expect.stringContaining(want)]);
      expect(readFileSync(r.logFile!, 'utf8')).toContain(want);
      const s6 = base(r.snapshot!);

      // Unpinned, the first is the oldest again and goes; the other pin still holds.
      expect(await unpinSnapshot(cfg, s1.name, memoryLogger())).toMatchObject({ pinned: false, changed: true });
      const s7 = await snap();
      expect(s7.pruned).toEqual([`${s1.name} space`, `${s5.name} space`]);
      expect((await listSet(set)).complete).toEqual([s4.name, s6, s7.name]);
      expect(readdirSync(join(set, '.pins'))).toEqual([s4.name]);
    } finally {
      await disk.remove();
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('pin, unpin, list and thinning through the host CLI', () => {
  let work: string;
  let set: string;
  let config: string;
  const pad = (n: number): string => String(n).padStart(2, '0');
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-pin-cli-'));
    const dest = join(work, 'dest');
    set = join(dest, 'set');
    mkdirSync(set, { recursive: true });
    writeFileSync(join(dest, '.linkdest-backup'), '');
    for (let d = new Date(2026, 0, 1); d <= new Date(2026, 2, 31); d.setDate(d.getDate() + 1)) {
      const name = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_03-00-00`;
      mkdirSync(join(set, name, 'Apps'), { recursive: true });
      writeFileSync(join(set, name, 'Apps', 'file'), name);
    }
    mkdirSync(join(set, '2026-04-01_03-00-00.partial'));
    mkdirSync(join(set, '.deleting-2025-12-31_03-00-00'));
    const cfg = runConfig(work, dest, ['/Apps'], {
      retention: { keep_min: 2, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0, thin: { daily: 7, weekly: 4, monthly: 3 } },
    });
    config = join(work, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // Not spawnSync: a worker blocked for seconds misses vitest's RPC deadline on a loaded machine.
  const cli = async (...args: string[]): Promise<{ status: number | undefined; stdout: string; stderr: string }> => {
    const r = await execa(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, ...args], { cwd: root, reject: false, stripFinalNewline: false });
    return { status: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
  const snapshotsNow = (): string[] => readdirSync(set).filter((n) => /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/.test(n));

  test('refused in one line, nothing written: a bad note, a partial, one being deleted, an unknown name', async () => {
    const cases: [string[], number, RegExp][] = [
      [['pin', '2026-01-10_03-00-00', '--note', 'two\nlines'], 2, /^linkdest-runtime: pin: --note: expected one line of text without control characters/],
      [['pin', '2026-01-10_03-00-00', '--note', 'x'.repeat(201)], 2, /--note: expected at most 200 characters, got 201$/],
      [['pin', '2026-04-01_03-00-00'], 1, /2026-04-01_03-00-00 is a partial snapshot/],
      [['pin', '2025-12-31_03-00-00'], 1, /2025-12-31_03-00-00 is being deleted .* cannot be pinned$/],
      [['pin', '2026-05-01_03-00-00'], 2, /no snapshot "2026-05-01_03-00-00"; snapshots go from 2026-01-01_03-00-00 to 2026-03-31_03-00-00/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    expect(existsSync(join(set, '.pins'))).toBe(false);
  });

  test('pin with a note; pin again keeps it; list shows pins and notes', async () => {
    const r = await cli('pin', '2026-01-10_03-00-00', '--note', 'before the upgrade to 2.0 — "keep"');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('pinned 2026-01-10_03-00-00 (before the upgrade to 2.0 — "keep"): no retention rule deletes it until it is unpinned\n');
    expect((await cli('pin', '2026-01-10_03-00-00')).stdout).toBe('2026-01-10_03-00-00 is already pinned (before the upgrade to 2.0 — "keep"); nothing changed\n');
    const json = JSON.parse((await cli('pin', '2026-02-15_03-00-00', '--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ snapshot: '2026-02-15_03-00-00', pinned: true, changed: true });
    expect(json.note).toBeUndefined();
    expect(readdirSync(join(set, '2026-01-10_03-00-00'))).toEqual(['Apps']);
    const list = (await cli('list')).stdout.split('\n');
    expect(list.find((l) => l.startsWith('2026-01-10_03-00-00'))).toMatch(/ {2}pinned: before the upgrade to 2\.0 — "keep"$/);
    expect(list.find((l) => l.startsWith('2026-02-15_03-00-00'))).toMatch(/ {2}pinned$/);
    expect(list.filter((l) => l.includes('pinned'))).toHaveLength(2);
    const rows = JSON.parse((await cli('snapshots', '--json')).stdout) as { rows: { name: string; pinned?: boolean; pinNote?: string }[] };
    expect(rows.rows.filter((x) => x.pinned).map((x) => [x.name, x.pinNote])).toEqual([
      ['2026-01-10_03-00-00', 'before the upgrade to 2.0 — "keep"'], ['2026-02-15_03-00-00', undefined],
    ]);
  });

  test('thinning deletes what no rule keeps, except the pinned; unpinned, it goes at the next prune', async () => {
    const KEPT = [
      '2026-01-31_03-00-00', '2026-02-28_03-00-00', '2026-03-15_03-00-00', '2026-03-22_03-00-00',
      '2026-03-25_03-00-00', '2026-03-26_03-00-00', '2026-03-27_03-00-00', '2026-03-28_03-00-00',
      '2026-03-29_03-00-00', '2026-03-30_03-00-00', '2026-03-31_03-00-00',
    ];
    const r = await cli('prune');
    expect(r.status, r.stderr).toBe(0);
    expect(snapshotsNow()).toEqual(['2026-01-10_03-00-00', '2026-02-15_03-00-00', ...KEPT].sort());
    const un = await cli('unpin', '2026-01-10_03-00-00');
    expect([un.status, un.stdout]).toEqual([0, 'unpinned 2026-01-10_03-00-00: the retention rules apply to it again\n']);
    expect((await cli('unpin', '2026-01-10_03-00-00')).stdout).toBe('2026-01-10_03-00-00 was not pinned; nothing changed\n');
    expect((await cli('prune')).stdout).toMatch(/^deleting snapshot 2026-01-10_03-00-00 \(thinning\)$/m);
    expect(snapshotsNow()).toEqual(['2026-02-15_03-00-00', ...KEPT].sort());
  });

  test('a pin whose snapshot was deleted by hand is dropped by the next prune', async () => {
    expect((await cli('pin', '2026-03-25_03-00-00')).status).toBe(0);
    rmSync(join(set, '2026-03-25_03-00-00'), { recursive: true });
    const r = await cli('prune');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('removed the pin of 2026-03-25_03-00-00: that snapshot no longer exists');
    expect(readdirSync(join(set, '.pins'))).toEqual(['2026-02-15_03-00-00']);
  });
});
