/**
 * state_dir/last-run.json after real runs (runtime/run.ts with rsync into a directory):
 * an ok, a failed and a skipped run each leave the right record, atomically, 0644 even
 * under umask 077, without a pre hook's secret argument; the host's overview (what
 * `linkdest status` shows) takes the last run from it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '../../../runtime/config.ts';
import { runNightly } from '../../../runtime/run.ts';
import { lastRunPath, type LastRunRecord } from '../../../runtime/ops/last-run.ts';
import { gatherOverview } from '../../../runtime/ops/overview.ts';
import { stderrLogger } from '../../../runtime/ops/access.ts';
import { runConfig } from '../runtime/support/run-config.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const usable = isRoot && hasCommand('rsync');
const SECRET = 'dump-password-9f3a';

describe.skipIf(!usable)(`last-run.json after real runs${rootNote()}`, () => {
  let work: string;
  let n = 0;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-lastrun-'));
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src/file.txt'), 'data\n');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A fresh destination, state and log dir per case. */
  function setup(sources: string[], pre: string[][] = []): RuntimeConfig {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    return runConfig(dir, join(dir, 'dest'), sources, { hooks: { pre, post: [] } });
  }
  const record = (cfg: RuntimeConfig): LastRunRecord => JSON.parse(readFileSync(lastRunPath(cfg.state_dir), 'utf8')) as LastRunRecord;

  /** Runs under umask 077: the record must still be world-readable, and nothing else left beside it. */
  async function runStrict(cfg: RuntimeConfig): Promise<Awaited<ReturnType<typeof runNightly>>> {
    const old = process.umask(0o077);
    try {
      return await runNightly(cfg);
    } finally {
      process.umask(old);
    }
  }

  test('an ok run: status ok, exit 0, its snapshot and log; overview shows it from the record', async () => {
    const cfg = setup([join(work, 'src')]);
    const r = await runStrict(cfg);
    expect(r.status).toBe('ok');
    const rec = record(cfg);
    expect(rec).toEqual({
      format: 1, host: r.host, name: 'set', status: 'ok', exitCode: 0, startedAt: r.startedAt, finishedAt: r.finishedAt,
      durationMs: r.durationMs, errors: [], warnings: [], snapshot: r.snapshot, logFile: r.logFile,
      lastSuccess: { snapshot: r.snapshot, finishedAt: r.finishedAt }, sources: [{ source: join(work, 'src'), status: 'ok' }],
    });
    expect(statSync(lastRunPath(cfg.state_dir)).mode & 0o777).toBe(0o644);
    expect(readdirSync(cfg.state_dir).filter((f) => f.startsWith('last-run'))).toEqual(['last-run.json']);
    const o = await gatherOverview(cfg, stderrLogger(true));
    expect(o.lastRun).toMatchObject({ state: 'ok', exitCode: 0, snapshot: r.snapshot, from: 'record' });
    expect(o.snapshots).toHaveLength(1);
  });

  test('a failed run (source missing) replaces the record: failed, exit 1, the reason, no snapshot', async () => {
    const cfg = setup([join(work, 'src')]);
    const o0 = await runStrict(cfg);
    const gone = join(work, 'no-such-source');
    const r = await runStrict({ ...cfg, sources: [{ ...cfg.sources[0]!, path: gone }] });
    expect(r.status).toBe('failed');
    const rec = record(cfg);
    expect(rec).toMatchObject({ status: 'failed', exitCode: 1, logFile: r.logFile, startedAt: r.startedAt });
    expect(rec.snapshot).toBeUndefined();
    expect(rec.lastSuccess?.snapshot).toBe(o0.snapshot); // the ok run before still counts
    expect(rec.errors.join('\n')).toContain(gone);
    const o = await gatherOverview(cfg, stderrLogger(true));
    expect(o.lastRun).toMatchObject({ state: 'failed', exitCode: 1, from: 'record' });
    expect(o.lastRun!.errors[0]).toContain(gone);
    expect(o.snapshots).toHaveLength(1); // the earlier ok snapshot is still there
  });

  test('a skipped run (pre hook failed): skipped, exit 1, the hook named without its secret argument', async () => {
    const cfg = setup([join(work, 'src')], [['sh', '-c', 'echo "dump failed" >&2; exit 3', SECRET]]);
    const r = await runStrict(cfg);
    expect([r.status, r.exitCode]).toEqual(['skipped', 1]);
    const text = readFileSync(lastRunPath(cfg.state_dir), 'utf8');
    expect(text).not.toContain(SECRET);
    expect(readFileSync(r.logFile!, 'utf8')).toContain(SECRET); // the 0640 log keeps it for root
    expect(record(cfg)).toMatchObject({ status: 'skipped', exitCode: 1, errors: ['hook sh (arguments in the log) failed (exit 3): backup skipped'] });
    const o = await gatherOverview(cfg, stderrLogger(true));
    expect(o.lastRun).toMatchObject({ state: 'skipped', from: 'record', errors: [expect.stringMatching(/^hook sh .*backup skipped$/)] });
  });

  test('a host whose runtime predates the record: overview falls back to the log', async () => {
    const cfg = setup([join(work, 'src')]);
    const r = await runNightly(cfg);
    rmSync(lastRunPath(cfg.state_dir));
    const o = await gatherOverview(cfg, stderrLogger(true));
    expect(o.lastRun).toMatchObject({ state: 'ok', exitCode: 0, snapshot: r.snapshot, from: 'log' });
  });
});
