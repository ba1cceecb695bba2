/**
 * The host CLI (runtime/cli.ts, as the timer or cron starts it) while a real run holds the
 * lock, its pre hook waiting on a file the test controls: restore exits 75 with a clear
 * message and writes nothing, `logs --list` and the overview say running. Then the ends
 * a run can meet: SIGTERM (the finally block records it) and SIGKILL (no record: the
 * newer log says interrupted).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'runtime/cli.ts');
// One process, as the timer starts it (the tsx wrapper would be a second one between the test and the run).
const node = (config: string, args: string[]): string[] => ['--import', 'tsx', cli, '--config', config, ...args];
const usable = isRoot && hasCommand('rsync');

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!usable)(`exclusive operations against a running backup${rootNote()}`, () => {
  let work: string;
  let n = 0;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-runlock-'));
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src/keep.txt'), 'from the backup\n');
    // Enough else in the source that deleting keep.txt is not an emptied source (which the
    // emptied-source guard rightly flags with a warning, exit 2).
    writeFileSync(join(work, 'src/other.bin'), Buffer.alloc(8192, 1));
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /** A config whose pre hook says it started (the run's log is open by then) and waits while `hold` exists. */
  function setup(): { config: string; hold: string; started: string; state: string; logs: string } {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    const hold = join(dir, 'hold');
    const started = join(dir, 'started');
    const config = join(dir, 'linkdest.json');
    writeFileSync(config, JSON.stringify({
      name: 'set', destination: { path: join(dir, 'dest'), marker: '.linkdest-backup' }, sources: [{ path: join(work, 'src') }],
      retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
      log: { dir: join(dir, 'log'), keep: 10 }, state_dir: join(dir, 'state'),
      hooks: { pre: [['sh', '-c', ': > "$1"; while [ -e "$0" ]; do sleep 0.1; done', hold, started]], post: [] },
    }));
    return { config, hold, started, state: join(dir, 'state'), logs: join(dir, 'log') };
  }
  const host = (config: string, args: string[]) => execa('node', node(config, args), { reject: false, cwd: root });

  /**
   * Starts a run that blocks in its pre hook; resolves once the hook runs, so the run holds
   * the lock and has opened its log (an earlier run's lock file and log dir prove neither).
   */
  async function heldRun(c: ReturnType<typeof setup>): Promise<{ child: ChildProcess; done: Promise<number | null> }> {
    writeFileSync(c.hold, '');
    rmSync(c.started, { force: true });
    const child = spawn('node', node(c.config, ['run']), { stdio: 'ignore', cwd: root });
    children.push(child);
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await until('the run to reach its pre hook', () => existsSync(c.started));
    expect(existsSync(join(c.state, 'linkdest.lock'))).toBe(true);
    return { child, done };
  }

  test('restore while a run holds the lock: exit 75, a one-line reason, nothing written; then it works', async () => {
    const c = setup();
    expect((await host(c.config, ['run'])).exitCode).toBe(0);
    rmSync(join(work, 'src/keep.txt'));
    try {
      const { done } = await heldRun(c);
      const r = await host(c.config, ['restore', join(work, 'src/keep.txt')]);
      expect(r.exitCode).toBe(75);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^linkdest-runtime: lock: a backup run \(pid \d+\) is in progress, so a restore cannot start now; nothing was changed\. Try again when the run has finished/);
      expect(existsSync(join(work, 'src/keep.txt'))).toBe(false);
      const list = JSON.parse((await host(c.config, ['logs', '--list', '--json'])).stdout) as { runs: { state: string }[] };
      expect(list.runs.at(-1)!.state).toBe('running');
      const o = JSON.parse((await host(c.config, ['overview'])).stdout) as { running?: number; lastRun: { state: string } };
      expect(o.lastRun.state).toBe('running');
      expect(o.running).toBeGreaterThan(0);
      rmSync(c.hold);
      expect(await done).toBe(0);
      // The held run finished without the file: restore from the first snapshot.
      const first = (JSON.parse((await host(c.config, ['snapshots', '--json'])).stdout) as { rows: { name: string }[] }).rows[0]!.name;
      const ok = await host(c.config, ['restore', `--snapshot=${first}`, join(work, 'src/keep.txt')]);
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(readFileSync(join(work, 'src/keep.txt'), 'utf8')).toBe('from the backup\n');
    } finally {
      writeFileSync(join(work, 'src/keep.txt'), 'from the backup\n');
    }
  }, 60_000);

  test('pin and unpin while a run holds the lock: exit 75, a one-line reason, no pin written; then it works', async () => {
    const c = setup();
    expect((await host(c.config, ['run'])).exitCode).toBe(0);
    const { done } = await heldRun(c);
    const pins = join(work, `case${n}`, 'dest/set/.pins');
    for (const [args, what] of [[['pin', 'latest', '--note', 'keep'], 'a pin'], [['unpin', 'latest'], 'an unpin']] as const) {
      const r = await host(c.config, [...args]);
      expect(r.exitCode).toBe(75);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^linkdest-runtime: lock: a backup run \\(pid \\d+\\) is in progress, so ${what} cannot start now; nothing was changed`));
    }
    expect(existsSync(pins)).toBe(false);
    rmSync(c.hold);
    expect(await done).toBe(0);
    const ok = await host(c.config, ['pin', 'latest', '--note', 'keep']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readdirSync(pins)).toHaveLength(1);
  }, 60_000);

  test('SIGTERM during a run: the finally block records it as failed, interrupted', async () => {
    const c = setup();
    const { child, done } = await heldRun(c);
    child.kill('SIGTERM');
    const logged = (): string => readdirSync(c.logs).map((f) => readFileSync(join(c.logs, f), 'utf8')).join('');
    await until('the SIGTERM to be logged', () => logged().includes('received SIGTERM'));
    rmSync(c.hold);
    expect(await done).toBe(1);
    const rec = JSON.parse(readFileSync(join(c.state, 'last-run.json'), 'utf8')) as { status: string; errors: string[] };
    expect(rec).toMatchObject({ status: 'failed', exitCode: 1, errors: ['interrupted by SIGTERM'] });
    const o = JSON.parse((await host(c.config, ['overview'])).stdout) as { lastRun: { state: string; from: string } };
    expect(o.lastRun).toMatchObject({ state: 'failed', from: 'record' });
  }, 60_000);

  test('SIGKILL: no record for that run; the overview reads its log and says interrupted', async () => {
    const c = setup();
    expect((await host(c.config, ['run'])).exitCode).toBe(0); // leaves an ok record
    await new Promise((r) => setTimeout(r, 1100)); // the next log gets a later stamp
    const { child, done } = await heldRun(c);
    child.kill('SIGKILL');
    await done;
    rmSync(c.hold);
    expect(JSON.parse(readFileSync(join(c.state, 'last-run.json'), 'utf8'))).toMatchObject({ status: 'ok' });
    const o = JSON.parse((await host(c.config, ['overview'])).stdout) as { lastRun: { state: string; from: string } };
    expect(o.lastRun).toMatchObject({ state: 'interrupted', from: 'log' });
  }, 60_000);
});
