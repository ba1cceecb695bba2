/**
 * The checks of a new snapshot, in real runs on real filesystems:
 * - emptied-source guard: an empty tmpfs mounted over the source (an unmounted source
 *   disk): the run warns, the snapshot is marked suspect, nothing is pruned under space
 *   pressure on a small ext4 while it is the newest, keep_min does not count it; the
 *   source back, the next run links against the last good snapshot and pruning resumes;
 * - spot check: a byte flipped in a copy shared by hard link is found and named; a source
 *   file rewritten while the run copies (paused at the check) is no false alarm; excludes
 *   and a nested source keep the counts equal;
 * - link-ratio alarm: fires after a `touch` of the whole tree and after `chown -R`, not
 *   after a normal incremental.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import type { RuntimeConfig, RuntimeConfigInput } from '../../../runtime/config.ts';
import { listSet, readMetadata } from '../../../runtime/layout.ts';
import { prune } from '../../../runtime/prune.ts';
import { runNightly } from '../../../runtime/run.ts';
import { spaceOf } from '../../../runtime/space.ts';
import { run } from '../../../runtime/exec.ts';
import { isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4 } from './support/small-ext4.ts';

const root = join(import.meta.dirname, '../../..');
const MiB = 1024 * 1024;
const U = 8 * MiB;
const base = (p: string): string => p.split('/').pop()!;

function smallTree(src: string, n: number): void {
  mkdirSync(join(src, 'd'), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(src, i % 2 ? 'd' : '', `f${i}`), `file ${i}\n${'x'.repeat(i)}\n`);
}

async function must(argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
}

describe.skipIf(!isRoot)(`emptied-source guard on a real ext4${rootNote()}`, () => {
  test('an empty mount point over the source: suspect, warned, nothing pruned under pressure; back, pruning resumes', async () => {
    const disk = await makeSmallExt4({ mib: 64 });
    const work = mkdtempSync(join(tmpdir(), 'linkdest-suspect-'));
    let mounted = false;
    try {
      const src = join(work, 'src');
      mkdirSync(src);
      smallTree(src, 40);
      const set = join(disk.mnt, 'set');
      const f0 = (await spaceOf(disk.mnt)).freeBytes;
      // Room for three snapshots of U and a little more above the thresholds, not four.
      const cfg: RuntimeConfig = runConfig(work, disk.mnt, [src], {
        retention: { keep_min: 2, min_free_before: f0 - 3.5 * U, min_free_after: f0 - 3.5 * U, min_inodes_before: 0, min_inodes_after: 0 },
      });
      let round = 0;
      const bigChange = (): void => writeFileSync(join(src, 'big'), randomBytes(U - 4096 * ++round));
      const night = async (): Promise<Awaited<ReturnType<typeof runNightly>> & { snap: string }> => {
        const r = await runNightly(cfg);
        expect(r.errors).toEqual([]);
        return { ...r, snap: base(r.snapshot!) };
      };
      const good: string[] = [];
      for (let i = 0; i < 3; i++) {
        bigChange();
        const r = await night();
        expect([r.status, r.warnings, r.pruned]).toEqual(['ok', [], []]);
        good.push(r.snap);
      }
      const [s1, s2, s3] = good as [string, string, string];

      // The source disk "not mounted": an empty tmpfs over the directory.
      await must(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', src]);
      mounted = true;
      const r4 = await night();
      expect([r4.status, r4.exitCode, r4.pruned]).toEqual(['warning', 2, []]);
      const suspectLine = `suspect snapshot ${r4.snap}: ${src}: an empty directory where ${s3} held`;
      expect(r4.warnings).toEqual([expect.stringContaining(suspectLine)]);
      expect(r4.warnings.join('\n')).toContain(`linkdest accept HOST ${r4.snap} (on this host: linkdest-runtime accept ${r4.snap})`);
      expect((await readMetadata(join(set, r4.snap)))?.suspect).toEqual([expect.stringContaining(`${src}: an empty directory where ${s3} held 42 entries`)]);
      expect(readFileSync(r4.logFile!, 'utf8')).toContain(suspectLine);

      // Space pressure (something else filled the disk) and still unmounted the next night:
      // compared with the last GOOD snapshot it is suspect again, and while the newest is
      // suspect nothing is pruned, before or after the snapshot; the hold is said.
      writeFileSync(join(disk.mnt, 'filler'), randomBytes(U));
      const r5 = await night();
      expect([r5.status, r5.pruned]).toEqual(['warning', []]);
      expect(r5.warnings).toEqual([
        expect.stringMatching(new RegExp(`^before the snapshot: the newest snapshot ${r4.snap} is suspect .*nothing is pruned`)),
        expect.stringContaining(`suspect snapshot ${r5.snap}: ${src}: an empty directory where ${s3} held`),
        expect.stringMatching(new RegExp(`^after the snapshot: the newest snapshot ${r5.snap} is suspect`)),
      ]);
      expect((await listSet(set)).complete).toEqual([s1, s2, s3, r4.snap, r5.snap]);

      // The host CLI lists them as suspect.
      writeFileSync(join(work, 'linkdest.json'), JSON.stringify(cfg));
      const list = await execa(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', join(work, 'linkdest.json'), 'list'], { cwd: root });
      expect(list.stdout.split('\n').filter((l) => l.includes('SUSPECT')).map((l) => l.slice(0, 19))).toEqual([r4.snap, r5.snap]);

      // The disk is back: a normal snapshot, linked against s3 (not the empty one), and
      // pruning resumes: the oldest goes for space.
      await must(['umount', src]);
      mounted = false;
      const r6 = await night();
      // Before it, the newest was still the suspect r5: held once more.
      expect(r6.warnings).toEqual([expect.stringMatching(new RegExp(`^before the snapshot: the newest snapshot ${r5.snap} is suspect`))]);
      expect(statSync(join(set, r6.snap, src.slice(1), 'big')).ino).toBe(statSync(join(set, s3, src.slice(1), 'big')).ino);
      expect(r6.pruned.map((p) => `${p.name} ${p.reason}`)).toEqual([`${s1} space`]);
      expect((await readMetadata(join(set, r6.snap)))?.suspect).toBeUndefined();

      // keep_min counts only good snapshots: with thresholds that can never be met, pruning
      // stops at two good ones (s3 and the newest) and the two suspect ones are no reason to go on.
      const p = await prune({
        dir: set, spacePath: set, protect: [], policy: { keepMin: 2 },
        thresholds: { minFreeBytes: Number.MAX_SAFE_INTEGER, minFreeInodes: 0 },
      }, memoryLogger());
      expect(p.pruned.map((x) => x.name)).toEqual([s2]);
      expect(p.warning).toMatch(/only 2 complete snapshot\(s\) left besides the suspect, keep_min is 2/);
      expect((await listSet(set)).complete).toEqual([s3, r4.snap, r5.snap, r6.snap]);
    } finally {
      if (mounted) await run(['umount', join(work, 'src')]);
      await disk.remove();
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('a shrink on purpose: accept', () => {
  test('files deleted on purpose: suspect until accepted; then the next run compares with the accepted one', async () => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-accept-'));
    try {
      const src = join(work, 'src');
      smallTree(src, 40);
      const dest = join(work, 'dest');
      mkdirSync(dest);
      writeFileSync(join(dest, '.linkdest-backup'), '');
      const cfg = runConfig(work, dest, [src]);
      const config = join(work, 'linkdest.json');
      writeFileSync(config, JSON.stringify(cfg));
      const cli = (...args: string[]) => execa(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, ...args], { cwd: root, reject: false });
      const night = async (): Promise<{ snap: string; suspect: string[] }> => {
        const r = await runNightly(cfg);
        expect(r.errors).toEqual([]);
        return { snap: base(r.snapshot!), suspect: r.warnings.filter((w) => w.startsWith('suspect snapshot')) };
      };
      const s1 = await night();
      expect(s1.suspect).toEqual([]);
      const refused = await cli('accept', s1.snap);
      expect([refused.exitCode, refused.stderr.trim().split('\n')]).toEqual([1, [expect.stringContaining(`${s1.snap} is not suspect: nothing to accept`)]]);

      rmSync(join(src, 'd'), { recursive: true });
      const s2 = await night();
      expect(s2.suspect).toEqual([expect.stringContaining(`${src}: shrank against ${s1.snap}: 51 % fewer bytes (`)]);
      expect(s2.suspect[0]).not.toContain('empty directory');
      const s3 = await night();
      expect(s3.suspect).toEqual([expect.stringContaining(`shrank against ${s1.snap}`)]);

      const ok = await cli('accept', 'latest', '--json');
      expect(ok.exitCode).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ snapshot: s3.snap, changed: true, reasons: [expect.stringContaining('fewer')] });
      expect((await cli('list')).stdout.split('\n').filter((l) => l.includes('SUSPECT')).map((l) => l.slice(0, 19))).toEqual([s2.snap]);
      const s4 = await night();
      expect(s4.suspect).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('spot check against the source', () => {
  test('a byte flipped in a hard-linked copy is found and named; a file rewritten during the run is not; excludes and nested sources count equal', async () => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-spot-'));
    try {
      const src = join(work, 'src');
      smallTree(src, 60);
      mkdirSync(join(src, 'cache'));
      writeFileSync(join(src, 'cache', 'skip.tmp'), 'excluded\n');
      mkdirSync(join(src, 'inner'));
      writeFileSync(join(src, 'inner', 'own.txt'), 'the inner source copies this\n');
      const written = Date.now();
      const dest = join(work, 'dest');
      mkdirSync(dest);
      writeFileSync(join(dest, '.linkdest-backup'), '');
      const input: Partial<RuntimeConfigInput> = { spot: { sample_pct: 100 }, exclude: ['/cache/'] };
      const cfg = runConfig(work, dest, [src, join(src, 'inner')], input);
      const config = join(work, 'linkdest.json');
      writeFileSync(config, JSON.stringify(cfg));
      const set = join(dest, 'set');
      const cli = (env: Record<string, string> = {}) => execa(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, 'run'], { cwd: root, reject: false, env: { ...process.env, ...env } });

      const r1 = await cli();
      expect([r1.exitCode, r1.stderr]).toEqual([0, '']);
      const s1 = (await listSet(set)).complete[0]!;
      const meta1 = await readMetadata(join(set, s1));
      // The outer source without /cache/ and without inner's contents: 60 files, `d`, the root, `inner` itself.
      expect(meta1?.perSource?.[src]).toMatchObject({ files: 63, regular: 60, fresh: 60 });
      expect(meta1?.perSource?.[join(src, 'inner')]).toMatchObject({ files: 2, regular: 1 });

      // A bit flipped in the snapshot's copy, same size and mtime: every later snapshot shares it.
      // (touch -r keeps the nanoseconds, which utimes from JavaScript would round.)
      const victim = join(set, s1, src.slice(1), 'd', 'f7');
      const ref = join(work, 'times');
      await must(['touch', '-r', victim, ref]);
      const bytes = readFileSync(victim);
      bytes[2] = bytes[2]! ^ 1;
      writeFileSync(victim, bytes);
      await must(['touch', '-r', ref, victim]);

      // The tree must be older than the second run's start by the spot check's slack
      // (spot-rules.ts `changedDuringRun`): else every file counts as changed during the run
      // and is skipped, f7 too (a fast machine ran both runs within 1.6 s and exited 0).
      await new Promise((r) => setTimeout(r, Math.max(0, written + 2100 - Date.now())));
      // Paused after the copy: a source file rewritten now (same size) differs from its copy,
      // but it changed during the run, so it is skipped, not reported.
      const pause = join(work, 'pause');
      writeFileSync(pause, '');
      const run2 = cli({ LINKDEST_TEST_PAUSE_AT: 'before-checks', LINKDEST_TEST_PAUSE_FILE: pause });
      for (let i = 0; i < 600 && !existsSync(`${pause}.reached`); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(`${pause}.reached`)).toBe(true);
      writeFileSync(join(src, 'd', 'f9'), readFileSync(join(src, 'd', 'f9'), 'utf8').replace('file', 'FILE'));
      rmSync(pause);
      const r2 = await run2;
      expect(r2.exitCode).toBe(2);
      const s2 = (await listSet(set)).complete[1]!;
      const meta2 = await readMetadata(join(set, s2));
      expect(meta2?.warnings).toEqual([`spot check: 1 of 59 sampled files of ${src} differ from the snapshot: ${src}/d/f7 (differs at byte 2)`]);
      const log = readdirSync(join(work, 'log')).map((f) => readFileSync(join(work, 'log', f), 'utf8')).join('\n');
      expect(log).toContain(`${src}/d/f7 (differs at byte 2)`);
      expect(log).toContain('skipped 1 changed during the run');
      expect(log).not.toContain('f9 (');

      // The copy repaired: the next run is clean again.
      writeFileSync(victim, readFileSync(join(src, 'd', 'f7')));
      await must(['touch', '-r', ref, victim]);
      const r3 = await cli();
      expect([r3.exitCode, r3.stderr]).toEqual([0, '']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!isRoot)(`link-ratio alarm${rootNote()}`, () => {
  test('fires after touch of the whole tree and after chown -R, not after a normal incremental', async () => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-linkratio-'));
    try {
      const src = join(work, 'src');
      smallTree(src, 300);
      const dest = join(work, 'dest');
      mkdirSync(dest);
      writeFileSync(join(dest, '.linkdest-backup'), '');
      const cfg = runConfig(work, dest, [src]);
      const night = async (): Promise<string[]> => {
        const r = await runNightly(cfg);
        expect(r.errors).toEqual([]);
        return r.warnings;
      };
      const alarm = (w: string[]): string[] => w.filter((x) => x.includes('were hard-linked'));
      const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));

      expect(await night()).toEqual([]); // first snapshot: all fresh, no alarm
      writeFileSync(join(src, 'f0'), 'changed\n');
      writeFileSync(join(src, 'new'), 'new\n');
      expect(await night()).toEqual([]); // normal incremental

      const old = new Date('2021-06-01T00:00:00Z');
      for (const f of files(src)) utimesSync(f, old, old);
      // The space figure is the destination's free-space drop: this test's destination is on the
      // machine's shared /tmp, where other writers move it either way, so only its form is checked.
      const touched = alarm(await night());
      expect(touched).toHaveLength(1);
      expect(touched[0]).toMatch(new RegExp(`^${src}: only 0 of 301 files already in \\S+ were hard-linked; 301 were copied again \\([\\d.]+ KiB of fresh copies; the snapshot took [\\d.]+ (?:B|[KMGT]iB) on the destination\\)\\. Likely causes: times reset`));

      expect(await night()).toEqual([]); // unchanged since: linked again

      for (const f of [src, ...files(src)]) chownSync(f, 65534, 65534);
      const chowned = alarm(await night());
      expect(chowned).toHaveLength(1);
      expect(chowned[0]).toContain('only 0 of 301 files');
      expect(await night()).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
