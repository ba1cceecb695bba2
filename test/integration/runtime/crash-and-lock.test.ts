/**
 * kill -9 at named points of a run (LINKDEST_TEST_KILL_AT, see runtime/test-points.ts),
 * then a normal run; and the one-run-per-destination lock. Drives the real command.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');
// The real CLI entry, from source (so the kill points of runtime/test-points.ts need no build).
const cli = join(root, 'provision/cli.ts');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    // Own process group: a kill point takes down the run and its rsync together.
    const child = spawn(tsx, [cli, 'snapshot', ...args], { detached: true, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('crashes and locking of a snapshot run', () => {
  let work: string;
  let src: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-crash-'));
    src = join(work, 'src');
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(join(src, `d${d}`, `f${f}`), `${d}/${f}\n`.repeat(200));
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const sets = (dest: string): string[] => readdirSync(join(dest, 's')).sort();
  const complete = (dest: string): string[] => sets(dest).filter((n) => /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/.test(n));

  test.each(['partial-created', 'after-prelink', 'rsync-running', 'before-commit', 'after-rename', 'prune-renamed'])('SIGKILL at %s, then a normal run', async (point) => {
    const dest = join(work, `dest-${point}`);
    const args = ['--source', src, '--dest', dest, '--name', 's', '--keep-min', '1'];
    expect((await run(args)).code).toBe(0);
    expect((await run(args)).code).toBe(0);
    const before = complete(dest);
    const killArgs = point === 'prune-renamed' ? [...args, '--min-free', '1000T'] : args;
    const killed = await run(killArgs, { LINKDEST_TEST_KILL_AT: point });
    expect(killed.signal).toBe('SIGKILL');

    // Every complete-looking snapshot is complete: it carries its metadata, written last.
    for (const n of complete(dest)) expect(existsSync(join(dest, 's', n, '.linkdest-snapshot.json'))).toBe(true);
    if (point === 'prune-renamed') expect(complete(dest)).toEqual(before.slice(1));
    else expect(complete(dest).slice(0, before.length)).toEqual(before);

    const next = await run(args);
    expect(next.code, next.out).toBe(0);
    if (['after-prelink', 'rsync-running', 'before-commit', 'partial-created'].includes(point)) expect(next.out).toMatch(/resuming the partial snapshot/);
    expect(sets(dest).filter((n) => n.endsWith('.partial') || n.startsWith('.deleting-'))).toEqual([]);
    const names = complete(dest);
    expect(readlinkSync(join(dest, 's', 'latest'))).toBe(names[names.length - 1]);
  });

  test('a second concurrent run exits 75; a dead run\'s lock is taken over', async () => {
    const dest = join(work, 'dest-lock');
    const lock = join(dest, '.linkdest-lock-s');
    mkdirSync(dest, { recursive: true });
    writeFileSync(lock, `${process.pid} ${hostname()}\n`);
    const blocked = await run(['--source', src, '--dest', dest, '--name', 's']);
    expect(blocked.code).toBe(75);
    expect(blocked.out).toMatch(new RegExp(`another linkdest run \\(pid ${process.pid}\\) holds ${lock}`));
    const dead = spawnSync('true').pid!;
    writeFileSync(lock, `${dead} ${hostname()}\n`);
    const taken = await run(['--source', src, '--dest', dest, '--name', 's']);
    expect(taken.code, taken.out).toBe(0);
    expect(taken.out).toContain(`took over the stale lock ${lock} (pid ${dead} is no longer running)`);
    expect(existsSync(lock)).toBe(false);
  });
});
