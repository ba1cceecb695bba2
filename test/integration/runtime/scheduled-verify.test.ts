/**
 * The scheduled (sampled) deep verify on a real ext4 loop disk after real runs: with
 * sample 25 % every inode of every snapshot is read exactly once in ceil(100/25) = 4
 * runs (the rotation is kept on the host), and a flipped byte is therefore found within
 * those runs; the verify's Prometheus textfile passes `promtool check metrics` and says
 * what happened (mismatches, last success kept from before the damage).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { openManifest } from '../../../runtime/manifest/read.ts';
import { runDeepVerify } from '../../../runtime/verify/command.ts';
import { runScheduledVerify } from '../../../runtime/verify/scheduled.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';

const promtool = hasCommand('promtool');

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe.skipIf(!isRoot)(`scheduled verify on ext4${rootNote()}`, () => {
  test('sample 25 %: every inode read once in 4 runs; a flipped byte is found within them; metrics parse', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-sampled-'));
    try {
      const src = join(work, 'src');
      mkdirSync(src);
      for (let i = 0; i < 80; i++) writeFileSync(join(src, `f${i}`), `file ${i}\n`.repeat(20));
      const metrics = join(work, 'node_exporter', 'linkdest.prom');
      mkdirSync(join(work, 'node_exporter'));
      const cfg = runConfig(work, disk.mnt, [src], { verify: { sample: 25 }, report: { metrics_file: metrics } });
      const snaps: string[] = [];
      for (let r = 0; r < 3; r++) {
        for (let i = r * 10; i < r * 10 + 10; i++) writeFileSync(join(src, `f${i}`), `round ${r}\n`);
        await new Promise((res) => setTimeout(res, 1100));
        const o = await backup(cfg, memoryLogger());
        expect(o.errors).toEqual([]);
        snaps.push(o.snapshot!);
      }
      // Every distinct inode the manifests of the set name.
      const all = new Set<bigint>();
      for (const s of snaps) for await (const e of (await openManifest(s))!.entries) all.add(e.ino);
      expect(all.size).toBe(80 + 20);

      const runs: bigint[][] = [];
      for (let r = 0; r < 4; r++) {
        const read: bigint[] = [];
        await runDeepVerify(cfg, { all: true, sample: 25, onRead: (ino) => read.push(ino) }, memoryLogger());
        runs.push(read);
      }
      const seen = runs.flat();
      expect(new Set(seen).size).toBe(seen.length); // no inode read twice in a cycle
      expect(new Set(seen)).toEqual(all); // and none left out
      for (const r of runs) expect(r.length).toBeLessThan(all.size / 2);

      // A clean scheduled verify: the textfile parses and records a success.
      const ok = await runScheduledVerify(cfg, memoryLogger());
      expect(ok.exitCode).toBe(0);
      const promFile = join(work, 'node_exporter', 'linkdest-verify.prom');
      const first = readFileSync(promFile, 'utf8');
      if (promtool) execFileSync('promtool', ['check', 'metrics'], { input: first });
      expect(metricValue(first, 'linkdest_verify_mismatches')).toBe(0);
      const success = metricValue(first, 'linkdest_verify_last_success_timestamp')!;
      expect(Math.abs(success - Date.now() / 1000)).toBeLessThan(60);

      // Damage one file shared by all three snapshots: found within the promised 4 runs.
      const victim = join(snaps[2]!, src.slice(1), 'f70');
      const ref = `${work}/mtime-ref`;
      execFileSync('touch', ['-r', victim, ref]);
      const fd = openSync(victim, 'r+');
      writeSync(fd, 'X', 0);
      closeSync(fd);
      execFileSync('touch', ['-r', ref, victim]);
      const outcomes: number[] = [];
      for (let r = 0; r < 4 && !outcomes.includes(1); r++) {
        await new Promise((res) => setTimeout(res, 1100));
        outcomes.push((await runScheduledVerify(cfg, memoryLogger())).exitCode);
      }
      expect(outcomes).toContain(1);
      const after = readFileSync(promFile, 'utf8');
      if (promtool) execFileSync('promtool', ['check', 'metrics'], { input: after });
      expect(metricValue(after, 'linkdest_verify_mismatches')).toBe(1);
      // The failed verify keeps the last success of a clean run before it.
      const lastSuccess = metricValue(after, 'linkdest_verify_last_success_timestamp')!;
      expect(lastSuccess).toBeGreaterThanOrEqual(success);
      expect(lastSuccess).toBeLessThan(metricValue(after, 'linkdest_verify_last_run_timestamp')!);
    } finally {
      rmSync(work, { recursive: true, force: true });
      await disk.remove();
    }
  }, 120_000);
});
