/**
 * The pre-link walk on two threads (runtime/engine/walk-worker.ts), as users run it:
 * `linkdest-runtime --config F run` of a freshly built bundle (the worker loads that same file).
 * - With many subtrees the walk is shared between the main thread and the worker, and the
 *   snapshot is still exactly bare rsync's, unchanged files sharing PREV's inodes.
 * - SIGTERM during the walk stops it at the next directory: the run ends interrupted with
 *   the partial kept, without walking (and linking) the rest of the tree first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runConfigInput } from './support/run-config.ts';
import { freshBundle } from './support/engine-fuzz.ts';

const twoCores = availableParallelism() > 1;
let bundle = '';

interface Ran { code: number | null; out: string }
function run(config: string, env: Record<string, string> = {}, whilePaused?: (pid: number) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, '--config', config, 'run'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    if (whilePaused) {
      const reached = `${env.LINKDEST_TEST_PAUSE_FILE}.reached`;
      const poll = setInterval(() => { if (existsSync(reached)) { clearInterval(poll); whilePaused(child.pid!); } }, 20);
    }
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the pre-link walk on two threads', () => {
  let work: string;
  let src: string;
  const files: string[] = [];
  beforeAll(() => {
    bundle = freshBundle();
    work = mkdtempSync(join(tmpdir(), 'linkdest-threads-'));
    src = join(work, 'src');
    // 120 top-level subtrees (more than the walk shares out at once), two levels deep.
    for (let d = 0; d < 120; d++) {
      for (let s = 0; s < 3; s++) {
        mkdirSync(join(src, `d${d}`, `s${s}`), { recursive: true });
        for (let f = 0; f < 5; f++) {
          const p = join(src, `d${d}`, `s${s}`, `f${f}`);
          writeFileSync(p, `${d}/${s}/${f}\n`.repeat(20));
          files.push(p);
        }
      }
    }
    writeFileSync(join(src, 'top'), 'top\n');
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(dirname(bundle), { recursive: true, force: true });
  });

  /** A destination with its marker, and the config file of a set `t` copying `src` into it. */
  const configFor = (name: string): { dest: string; config: string } => {
    const dest = join(work, name);
    mkdirSync(dest);
    writeFileSync(join(dest, '.linkdest-backup'), '');
    const config = join(work, `${name}.json`);
    writeFileSync(config, JSON.stringify(runConfigInput(join(work, `${name}-state`), dest, [src], { name: 't' })));
    return { dest, config };
  };
  const snapshotsOf = (dest: string): string[] => readdirSync(join(dest, 't')).filter((n) => /^\d{4}-/.test(n)).sort();

  test.skipIf(!twoCores)('shares the walk with a worker thread; the snapshot is bare rsync\'s, unchanged files linked', async () => {
    const { dest, config } = configFor('dest');
    expect((await run(config)).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    appendFileSync(files[7]!, 'changed');
    unlinkSync(files[400]!);
    writeFileSync(join(src, 'd50', 's1', 'new'), 'new\n');
    mkdirSync(join(src, 'd99', 'newdir'));
    writeFileSync(join(src, 'd99', 'newdir', 'x'), 'x\n');
    // The main thread pauses right after starting the worker, until the worker has linked
    // files of its own: on a tree this small, the main thread would otherwise be done first.
    const pause = join(work, 'pause-started');
    writeFileSync(pause, '');
    const second = await run(config, { LINKDEST_TEST_PAUSE_AT: 'prelink-worker-started', LINKDEST_TEST_PAUSE_FILE: pause }, () => {
      const p = readdirSync(join(dest, 't')).find((n) => n.endsWith('.partial'))!;
      const copy = join(dest, 't', p, src.slice(1));
      const poll = setInterval(() => {
        if (readdirSync(copy).some((d) => existsSync(join(copy, d, 's0', 'f0')))) { clearInterval(poll); unlinkSync(pause); }
      }, 20);
      setTimeout(() => { clearInterval(poll); if (existsSync(pause)) unlinkSync(pause); }, 60_000);
    });
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/pre-linked 1799 unchanged files \(walk on 2 threads\)/);

    const [prev, made] = snapshotsOf(dest).map((n) => join(dest, 't', n, src.slice(1)));
    const bare = join(work, 'bare');
    execFileSync('rsync', ['-aH', '--numeric-ids', '--delete', `--link-dest=${prev}`, `${src}/`, `${bare}/`]);
    expect(execFileSync('rsync', ['-aHnci', '--delete', '--numeric-ids', `${bare}/`, `${made}/`], { encoding: 'utf8' })).toBe('');
    for (const f of [files[0]!, files[300]!, files[files.length - 1]!, join(src, 'top')]) {
      const rel = f.slice(src.length);
      expect(lstatSync(`${made}${rel}`).ino).toBe(lstatSync(`${prev}${rel}`).ino);
    }
    expect(lstatSync(`${made}${files[7]!.slice(src.length)}`).ino).not.toBe(lstatSync(`${prev}${files[7]!.slice(src.length)}`).ino);
  });

  test('SIGTERM during the walk stops it: the run ends interrupted, the partial kept, the rest of the tree not walked', async () => {
    const { dest, config } = configFor('dest-term');
    expect((await run(config)).code).toBe(0);
    const pause = join(work, 'pause');
    writeFileSync(pause, '');
    const stopped = await run(config, { LINKDEST_TEST_PAUSE_AT: 'prelink-shared', LINKDEST_TEST_PAUSE_FILE: pause }, (pid) => {
      process.kill(pid, 'SIGTERM');
      // The signal is handled at the walk's next turn, right after the pause ends.
      setTimeout(() => unlinkSync(pause), 200);
    });
    expect(stopped.code, stopped.out).toBe(1);
    expect(stopped.out).toContain('received SIGTERM');
    expect(stopped.out).toMatch(/interrupted/);
    const partial = readdirSync(join(dest, 't')).find((n) => n.endsWith('.partial'));
    expect(partial, readdirSync(join(dest, 't')).join(' ')).toBeDefined();
    const copy = join(dest, 't', partial!, src.slice(1));
    // The root's own entries were walked, and at most a few dozen directories after the stop
    // (the signal is handled at the walk's next turn of the event loop): far from all 1,800 files.
    expect(existsSync(join(copy, 'top'))).toBe(true);
    const linked = execFileSync('find', [copy, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').length;
    expect(linked).toBeLessThan(900);
  });
});
