/**
 * A first snapshot's rsync writes files in place (fast-path.ts `writeInPlace`): no temporary
 * file and rename per file. Through the bundle: a first run killed while rsync is half-way
 * through a file leaves that file cut short under its own name in the partial; the next run
 * resumes the partial and must copy it again (its mtime is not the source's), so the
 * snapshot holds the source's bytes and `verify --deep` passes. The second snapshot then
 * links against the first and leaves its files alone.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { runConfigInput } from './support/run-config.ts';
import { pollUntil, sleep } from '../../../runtime/poll.ts';

const bundle = join(import.meta.dirname, '../../../dist/linkdest-runtime.mjs');
const BIG = 24 << 20;

describe.skipIf(!existsSync(bundle))(`a first snapshot written in place${existsSync(bundle) ? '' : ' (needs npm run build: skipped)'}`, () => {
  test('killed mid-file, the next run copies the cut file again; the second snapshot leaves the first alone', async () => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-inplace-'));
    try {
      const src = join(work, 'src');
      const dest = join(work, 'dest');
      mkdirSync(join(src, 'd'), { recursive: true });
      mkdirSync(dest);
      writeFileSync(join(dest, '.linkdest-backup'), '');
      const big = randomBytes(BIG);
      writeFileSync(join(src, 'big'), big);
      for (let i = 0; i < 20; i++) writeFileSync(join(src, 'd', `f${i}`), `small ${i}\n`);
      const config = (name: string, extraArgs: string[]): string => {
        const f = join(work, name);
        writeFileSync(f, JSON.stringify(runConfigInput(work, dest, [src], { rsync: { extra_args: extraArgs } })));
        return f;
      };
      // Slow enough (4 MB/s) to be caught half-way through `big`.
      const slow = spawn(process.execPath, [bundle, '--config', config('slow.json', ['--bwlimit=4000']), 'run'], { detached: true, stdio: 'ignore' });
      const exited = new Promise((r) => slow.on('exit', r));
      const set = join(dest, 'set');
      const found = await pollUntil(() => {
        const partial = existsSync(set) ? readdirSync(set).find((n) => n.endsWith('.partial')) : undefined;
        const file = partial && join(set, partial, src.slice(1), 'big');
        const size = file && existsSync(file) ? lstatSync(file).size : 0;
        return size > 0 && size < BIG ? { partial: partial!, file: file! } : undefined;
      }, 30_000, 20);
      // Killed in any case (a run that already ended has nothing left to kill), then judged.
      try { process.kill(-slow.pid!, 'SIGKILL'); } catch { /* exited already */ }
      await exited;
      expect(found, 'rsync half-way through big, under its own name').toBeDefined();
      const cut = found!;
      // In place: the cut file is under its own name, and no temporary file stands beside it.
      expect(lstatSync(cut.file).size).toBeLessThan(BIG);
      expect(readdirSync(join(set, cut.partial, src.slice(1))).filter((n) => n.startsWith('.'))).toEqual([]);

      const cfg = config('linkdest.json', []);
      const resumed = await execa(process.execPath, [bundle, '--config', cfg, 'run'], { reject: false, all: true });
      expect(resumed.exitCode, resumed.all).toBe(0);
      expect(resumed.all).toMatch(/resuming the partial snapshot/);
      const first = readdirSync(set).filter((n) => /^\d{4}-/.test(n));
      expect(first).toHaveLength(1);
      const firstBig = join(set, first[0]!, src.slice(1), 'big');
      expect(readFileSync(firstBig).equals(big)).toBe(true);
      expect(readFileSync(join(set, first[0]!, src.slice(1), 'd', 'f7'), 'utf8')).toBe('small 7\n');
      const verified = await execa(process.execPath, [bundle, '--config', cfg, 'verify', '--deep'], { reject: false, all: true });
      expect(verified.exitCode, verified.all).toBe(0);

      // The second snapshot: big unchanged is linked, a changed file is written beside, not into, the first's.
      writeFileSync(join(src, 'd', 'f7'), 'changed\n');
      await sleep(1100);
      const second = await execa(process.execPath, [bundle, '--config', cfg, 'run'], { reject: false, all: true });
      expect(second.exitCode, second.all).toBe(0);
      const names = readdirSync(set).filter((n) => /^\d{4}-/.test(n)).sort();
      expect(names).toHaveLength(2);
      expect(lstatSync(join(set, names[1]!, src.slice(1), 'big')).ino).toBe(lstatSync(firstBig).ino);
      expect(readFileSync(join(set, names[0]!, src.slice(1), 'd', 'f7'), 'utf8')).toBe('small 7\n');
      expect(readFileSync(join(set, names[1]!, src.slice(1), 'd', 'f7'), 'utf8')).toBe('changed\n');
      const again = await execa(process.execPath, [bundle, '--config', cfg, 'verify', '--deep'], { reject: false, all: true });
      expect(again.exitCode, again.all).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
