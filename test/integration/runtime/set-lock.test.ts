/**
 * The locks with real processes: the nightly run (runtime/cli.ts `run`) and a manual
 * `linkdest snapshot` of the same set hold one set lock (DEST/.linkdest-lock-NAME), so
 * neither renames or deletes the other's partial; and what counts as a stale lock: an
 * empty or half-written file never does, a pid from before a reboot (other boot id) or a
 * pid now held by a process started at another time does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootId, processStart } from '../../../runtime/lock.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const root = join(import.meta.dirname, '../../..');
const runtimeCli = join(root, 'runtime/cli.ts');
const provisionCli = join(root, 'provision/cli.ts');
const STAMP = /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/;

interface Done { code: number | null; out: string }
interface Proc { child: ChildProcess; done: Promise<Done> }

const children: ChildProcess[] = [];
function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn('node', ['--import', 'tsx', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => { out += c; });
  child.stderr!.on('data', (c) => { out += c; });
  return { child, done: new Promise((r) => child.on('close', (code) => r({ code, out }))) };
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!isRoot || !hasCommand('rsync'))(`one lock per snapshot set, and stale locks${rootNote()}`, () => {
  let work: string;
  let src: string;
  let n = 0;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-setlock-'));
    src = join(work, 'src');
    mkdirSync(src);
    for (let i = 0; i < 20; i++) writeFileSync(join(src, `f${i}`), `file ${i}\n`);
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  function setup(over: Record<string, unknown> = {}): { dir: string; dest: string; config: string; state: string; pause: string } {
    const dir = join(work, `case${++n}`);
    const dest = join(dir, 'dest');
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, '.linkdest-backup'), '');
    const config = join(dir, 'linkdest.json');
    writeFileSync(config, JSON.stringify({
      name: 'set', destination: { path: dest, marker: '.linkdest-backup' }, sources: [{ path: src }],
      retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
      log: { dir: join(dir, 'log'), keep: 10 }, state_dir: join(dir, 'state'), ...over,
    }));
    return { dir, dest, config, state: join(dir, 'state'), pause: join(dir, 'pause') };
  }
  const nightly = (config: string, env?: Record<string, string>): Proc => start([runtimeCli, '--config', config, 'run'], env);
  const manual = (dest: string, env?: Record<string, string>): Proc => start([provisionCli, 'snapshot', '--source', src, '--dest', dest, '--name', 'set', '--keep-min', '1'], env);
  const entries = (dest: string): string[] => readdirSync(join(dest, 'set')).sort();
  /** Env that makes a process stop once its partial exists, holding its locks, until `pause` is removed. */
  const pauseAt = (pause: string): Record<string, string> => {
    writeFileSync(pause, '');
    return { LINKDEST_TEST_PAUSE_AT: 'partial-created', LINKDEST_TEST_PAUSE_FILE: pause };
  };

  test('a manual snapshot while the nightly run copies: exit 75, the run\'s partial untouched, the run completes', async () => {
    const c = setup();
    const run = nightly(c.config, pauseAt(c.pause));
    await until('the run to create its partial', () => existsSync(`${c.pause}.reached`));
    const partial = entries(c.dest).filter((e) => e.endsWith('.partial'));
    expect(partial).toHaveLength(1);

    const m = await manual(c.dest).done;
    expect(m.code, m.out).toBe(75);
    expect(m.out).toContain(`another linkdest run (pid ${run.child.pid}) holds ${join(c.dest, '.linkdest-lock-set')} (the snapshot set ${join(c.dest, 'set')})`);
    expect(entries(c.dest).filter((e) => e.endsWith('.partial'))).toEqual(partial);

    rmSync(c.pause);
    const r = await run.done;
    expect(r.code, r.out).toBe(0);
    expect(entries(c.dest).filter((e) => STAMP.test(e))).toEqual([partial[0]!.replace('.partial', '')]);
    expect(existsSync(join(c.dest, '.linkdest-lock-set'))).toBe(false);
  });

  test('the nightly run while a manual snapshot copies: the run fails in one line, the snapshot completes', async () => {
    const c = setup();
    const snap = manual(c.dest, pauseAt(c.pause));
    await until('the snapshot to create its partial', () => existsSync(`${c.pause}.reached`));
    const partial = entries(c.dest).filter((e) => e.endsWith('.partial'));

    const r = await nightly(c.config).done;
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`error: lock: another linkdest run (pid ${snap.child.pid}) holds ${join(c.dest, '.linkdest-lock-set')}`);
    expect(entries(c.dest).filter((e) => e.endsWith('.partial'))).toEqual(partial);
    const last = JSON.parse(readFileSync(join(c.state, 'last-run.json'), 'utf8')) as { status: string; errors: string[] };
    expect([last.status, last.errors.length]).toEqual(['failed', 1]);

    rmSync(c.pause);
    const m = await snap.done;
    expect(m.code, m.out).toBe(0);
    expect(entries(c.dest).filter((e) => STAMP.test(e))).toEqual([partial[0]!.replace('.partial', '')]);
  });

  test('four manual snapshots started at once: exactly one holds the set, the others exit 75', async () => {
    const c = setup();
    const racers = [0, 1, 2, 3].map((i) => {
      const pause = `${c.pause}-${i}`;
      const p = manual(c.dest, { ...pauseAt(pause) });
      let exited: Done | undefined;
      void p.done.then((d) => { exited = d; });
      return { p, pause, exited: () => exited };
    });
    await until('every racer to pause or exit', () => racers.every((r) => r.exited() !== undefined || existsSync(`${r.pause}.reached`)));
    const holders = racers.filter((r) => existsSync(`${r.pause}.reached`));
    expect(holders).toHaveLength(1);
    for (const r of racers.filter((x) => x !== holders[0])) {
      expect(r.exited()!.code, r.exited()!.out).toBe(75);
      expect(r.exited()!.out).toContain(`another linkdest run (pid ${holders[0]!.p.child.pid}) holds`);
    }
    rmSync(holders[0]!.pause);
    expect((await holders[0]!.p.done).code).toBe(0);
  });

  describe('what a lock file left in state_dir means', () => {
    let sleeper: ChildProcess;
    beforeAll(() => {
      sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
      children.push(sleeper);
    });
    const lockFile = (c: { state: string }, text: string): string => {
      mkdirSync(c.state, { recursive: true });
      writeFileSync(join(c.state, 'linkdest.lock'), text);
      return join(c.state, 'linkdest.lock');
    };

    test.each([
      ['empty (its holder has not written it yet)', () => '', /holds no complete lock \(empty\)/],
      ['half-written (no end of line)', () => `${sleeper.pid} ${hostname()} ${bootId()}`, /holds no complete lock \(unreadable\)/],
      ['held by a live process started at that time', () => `${sleeper.pid} ${hostname()} ${bootId()} ${processStart(sleeper.pid!)}\n`, /another linkdest run \(pid \d+\) holds/],
    ])('%s: not stale, exit 75, the file left as it was', async (_what, text, message) => {
      const c = setup();
      const path = lockFile(c, text());
      const r = await nightly(c.config).done;
      expect(r.code, r.out).toBe(75);
      expect(r.out.trim().split('\n')).toEqual([expect.stringMatching(message)]);
      expect(readFileSync(path, 'utf8')).toBe(text());
      expect(existsSync(join(c.dest, 'set'))).toBe(false);
    });

    test.each([
      ['a pid from before a reboot (another boot id), now reused by a live process', () => `${sleeper.pid} ${hostname()} 00000000-0000-4000-8000-000000000000 ${processStart(sleeper.pid!)}\n`, 'ran before the last reboot'],
      ['a pid now held by a live process started at another time', () => `${sleeper.pid} ${hostname()} ${bootId()} 1\n`, 'is now another process'],
    ])('%s: stale, taken over, the run completes', async (_what, text, why) => {
      const c = setup();
      const path = lockFile(c, text());
      const r = await nightly(c.config).done;
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`took over the stale lock ${path} (pid ${sleeper.pid} ${why})`);
      expect(existsSync(path)).toBe(false);
      expect(entries(c.dest).filter((e) => STAMP.test(e))).toHaveLength(1);
    });
  });
});
