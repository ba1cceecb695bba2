import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { previousSuccess, renderMetrics, writeMetricsFile } from '../../../runtime/report/metrics.ts';
import { runResult } from './run-result-fixture.ts';

const values = (text: string): Map<string, number> =>
  new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const i = l.lastIndexOf(' ');
    return [l.slice(0, i), Number(l.slice(i + 1))];
  }));

describe('renderMetrics', () => {
  test('an ok run: every figure the exporter needs', () => {
    const r = runResult();
    const v = values(renderMetrics(r, undefined));
    const finished = Date.parse(r.finishedAt) / 1000;
    expect(v.get('linkdest_last_success_timestamp_seconds{name="Apps"}')).toBe(finished);
    expect(v.get('linkdest_last_run_timestamp_seconds{name="Apps"}')).toBe(finished);
    expect(v.get('linkdest_last_run_duration_seconds{name="Apps"}')).toBe(3725);
    expect(v.get('linkdest_last_run_bytes_transferred{name="Apps"}')).toBe(5 * 1024 ** 3);
    expect(v.get('linkdest_last_run_files_transferred{name="Apps"}')).toBe(321);
    expect(v.get('linkdest_last_snapshot_files{name="Apps"}')).toBe(123_456);
    expect(v.get('linkdest_destination_free_bytes{name="Apps"}')).toBe(95 * 1024 ** 3);
    expect(v.get('linkdest_destination_free_inodes{name="Apps"}')).toBe(4_990_000);
    expect(v.get('linkdest_snapshots{name="Apps"}')).toBe(57);
    expect(v.get('linkdest_last_run_status{name="Apps",status="ok"}')).toBe(1);
    expect(v.get('linkdest_last_run_status{name="Apps",status="failed"}')).toBe(0);
  });

  test('a failed run keeps the previous success time and has no transfer figures', () => {
    const text = renderMetrics(runResult({ status: 'failed', stats: undefined, exitCode: 1 }), 1_700_000_000);
    const v = values(text);
    expect(v.get('linkdest_last_success_timestamp_seconds{name="Apps"}')).toBe(1_700_000_000);
    expect(v.get('linkdest_last_run_status{name="Apps",status="failed"}')).toBe(1);
    expect(v.get('linkdest_last_run_exit_code{name="Apps"}')).toBe(1);
    expect(text).not.toContain('linkdest_last_run_bytes_transferred');
  });

  test('a failed first run has no success time at all', () => {
    expect(renderMetrics(runResult({ status: 'failed' }), undefined)).not.toContain('linkdest_last_success_timestamp_seconds');
  });

  test.each([
    ['not looked at (no snapshot attempted)', undefined, undefined, undefined],
    ['none suspect', [], 0, 0],
    ['an older one suspect, the new one good', ['2026-11-20_03-00-00'], 1, 0],
    ['the new one suspect too', ['2026-11-20_03-00-00', '2026-11-26_03-00-00'], 2, 1],
  ])('suspect snapshots: %s', (_name, suspect, count, newest) => {
    const v = values(renderMetrics(runResult(suspect ? { suspectSnapshots: suspect } : {}), undefined));
    expect([v.get('linkdest_snapshots_suspect{name="Apps"}'), v.get('linkdest_last_snapshot_suspect{name="Apps"}')]).toEqual([count, newest]);
  });

  test('label values are escaped', () => {
    expect(renderMetrics(runResult({ name: 'a"b' }), undefined)).toContain('linkdest_snapshots{name="a\\"b"} 57');
  });
});

describe('writeMetricsFile', () => {
  let dir = '';
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  test('writes the file readable by node_exporter, leaves no temp file, carries success over a failure', async () => {
    dir = await mkdtemp(join(tmpdir(), 'linkdest-metrics-'));
    const file = join(dir, 'linkdest.prom');
    const ok = runResult();
    await writeMetricsFile(file, ok);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await writeMetricsFile(file, runResult({ status: 'failed', finishedAt: new Date().toISOString() }));
    const text = await readFile(file, 'utf8');
    expect(previousSuccess(text, 'Apps')).toBe(Date.parse(ok.finishedAt) / 1000);
    expect(values(text).get('linkdest_last_run_status{name="Apps",status="failed"}')).toBe(1);
    expect(await readdir(dir)).toEqual(['linkdest.prom']);
  });
});

describe('renderMetrics, per source', () => {
  test('each source has its status and whether the snapshot holds an older copy of it', () => {
    const v = values(renderMetrics(runResult({
      status: 'warning',
      sources: [
        { source: 'marte:/Apps', status: 'ok' },
        { source: 'venus:/srv "x"', status: 'failed', reason: 'host venus: unreachable (connection refused)', kept: '2026-12-01_03-00-00' },
      ],
    }), undefined));
    expect(v.get('linkdest_source_status{name="Apps",source="marte:/Apps",status="ok"}')).toBe(1);
    expect(v.get('linkdest_source_status{name="Apps",source="marte:/Apps",status="failed"}')).toBe(0);
    expect(v.get('linkdest_source_status{name="Apps",source="venus:/srv \\"x\\"",status="failed"}')).toBe(1);
    expect(v.get('linkdest_source_stale{name="Apps",source="marte:/Apps"}')).toBe(0);
    expect(v.get('linkdest_source_stale{name="Apps",source="venus:/srv \\"x\\""}')).toBe(1);
    expect(v.get('linkdest_source_last_pull_timestamp_seconds{name="Apps",source="marte:/Apps"}')).toBe(Date.parse(runResult().finishedAt) / 1000);
    expect(v.get('linkdest_source_last_pull_timestamp_seconds{name="Apps",source="venus:/srv \\"x\\""}')).toBe(new Date(2026, 11, 1, 3, 0, 0).getTime() / 1000);
  });
});
