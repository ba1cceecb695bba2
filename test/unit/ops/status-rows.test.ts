import { describe, expect, test } from 'vitest';
import type { Overview, SnapshotRow } from '../../../runtime/ops/overview.ts';
import { formatAge, parseDuration, staleSources, statusExitCode, statusRow, unreachableRow } from '../../../provision/ops/status-rows.ts';
import { stampOf } from '../../../runtime/layout.ts';
import { formatStatus } from '../../../provision/ops/status-format.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const H = 3_600_000;
const snap = (hoursAgo: number, status = 'ok'): SnapshotRow => {
  const t = new Date(NOW.getTime() - hoursAgo * H);
  return { name: `snap-${hoursAgo}h`, time: t.toISOString(), status, files: 10, bytesTotal: 2048, bytesAdded: 1024 };
};
const overview = (snapshots: SnapshotRow[], extra: Partial<Overview> = {}): Overview => ({
  version: '0.1.0', host: 'h', destination: '/mnt/Backup', set: '/mnt/Backup/h', mounted: false,
  schedule: { kind: 'systemd', next: '2026-11-26T02:30:00.000Z' }, snapshots, partials: [], ...extra,
});

test.each([
  ['26h', 26 * H], ['90m', 90 * 60_000], ['2d', 48 * H], ['1d12h', 36 * H], ['45s', 45_000],
  ['26', undefined], ['h', undefined], ['0h', undefined], ['-1h', undefined],
])('parseDuration(%j)', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test.each([
  [0, '0s'], [45_000, '45s'], [3 * H + 12 * 60_000, '3h 12m'], [50 * H, '2d 2h'], [24 * H, '1d'],
])('formatAge(%d)', (ms, text) => {
  expect(formatAge(ms)).toBe(text);
});

describe('statusRow: stale unless a successful snapshot is newer than --max-age', () => {
  test.each([
    ['fresh ok snapshot', [snap(30), snap(5)], false, 'snap-5h'],
    ['fresh snapshot with warnings still counts', [snap(30), snap(5, 'warning')], false, 'snap-5h'],
    ['only an old one', [snap(30)], true, 'snap-30h'],
    ['newest is failed, older one fresh', [snap(10), snap(2, 'failed')], false, 'snap-10h'],
    ['no metadata result is not success', [{ ...snap(2), status: undefined }], true, undefined],
    ['no snapshots at all', [], true, undefined],
    ['newest is suspect (source empty), older good one fresh', [snap(10), { ...snap(2, 'warning'), suspect: ['/srv: an empty directory'] }], false, 'snap-10h'],
    ['only suspect snapshots are fresh: stale', [snap(30), { ...snap(5, 'warning'), suspect: ['/srv: an empty directory'] }], true, 'snap-30h'],
  ])('%s', (_n, snaps, stale, last) => {
    const row = statusRow('h', overview(snaps), NOW, 26 * H, '0.1.0');
    expect(row.stale).toBe(stale);
    expect(row.lastSnapshot).toBe(last);
  });

  test('a failed last run is the result, with its reason, even when the snapshot is fresh', () => {
    const row = statusRow('h', overview([snap(5)], {
      lastRun: { id: 'x', file: 'f', state: 'failed', exitCode: 1, errors: ['guard: marker file /mnt/Backup/.m is missing'], warnings: [] },
    }), NOW, 26 * H, '0.1.0');
    expect(row).toMatchObject({ result: 'failed', reason: 'guard: marker file /mnt/Backup/.m is missing', stale: false });
  });

  test('a suspect newest snapshot is the reason shown', () => {
    const row = statusRow('h', overview([snap(10), { ...snap(2, 'warning'), suspect: ['/srv: shrank against snap-10h: 90 % fewer bytes'] }]), NOW, 26 * H, '0.1.0');
    expect(row).toMatchObject({ result: 'warning', reason: 'newest snapshot snap-2h is SUSPECT: /srv: shrank against snap-10h: 90 % fewer bytes', lastSnapshot: 'snap-10h' });
  });

  test('an unreadable disk keeps the last run and says why', () => {
    const row = statusRow('h', overview([], { snapshots: undefined, error: 'guard: cannot mount /mnt/Backup', lastRun: { id: 'x', file: 'f', state: 'ok', exitCode: 0, errors: [], warnings: [] } }), NOW, 26 * H, '0.1.0');
    expect(row).toMatchObject({ result: 'unreadable', reason: 'guard: cannot mount /mnt/Backup', stale: true });
    expect(row.snapshots).toBeUndefined();
  });

  test('version mismatch is flagged', () => {
    expect(statusRow('h', overview([snap(1)], { version: '0.0.9' }), NOW, 26 * H, '0.1.0').versionMismatch).toBe(true);
    expect(statusRow('h', overview([snap(1)]), NOW, 26 * H, '0.1.0').versionMismatch).toBe(false);
  });
});

test('exit code: 0 only when no host is stale or unreachable', () => {
  const fresh = statusRow('a', overview([snap(1)]), NOW, 26 * H, '0.1.0');
  expect(statusExitCode([fresh])).toBe(0);
  expect(statusExitCode([fresh, unreachableRow('b', 'connect ECONNREFUSED')])).toBe(1);
  expect(statusExitCode([fresh, statusRow('c', overview([snap(40)]), NOW, 26 * H, '0.1.0')])).toBe(1);
});

test('table: one row per host, unreachable included, and the verdict names stale hosts', () => {
  const text = formatStatus([
    statusRow('marte', overview([snap(50), snap(3)]), NOW, 26 * H, '0.1.0'),
    unreachableRow('gentoo', 'connect: ECONNREFUSED'),
  ], '0.1.0', '26h');
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^HOST\s+RESULT\s+LAST SNAPSHOT/);
  expect(lines[1]).toMatch(/^marte\s+ok\s+\S+ \S+ \(3h ago\)\s+2\.0 KiB\s+1\.0 KiB\s+2\s+snap-50h/);
  expect(lines[2]).toMatch(/^gentoo\s+unreachable\s.*connect: ECONNREFUSED$/);
  expect(lines[3]).toBe('no successful snapshot newer than 26h: gentoo');
});

test('a bad --max-age is a one-line usage error (exit 2) before any host is asked', async () => {
  const { runStatus } = await import('../../../provision/commands/status.ts');
  const err = await runStatus({ inventory: '/nonexistent/linkdest.yml', maxAge: '3 days' }, { hosts: [] }).catch((e: unknown) => e);
  expect(err).toMatchObject({ exitCode: 2, message: '--max-age 3 days: expected a duration like 26h, 90m or 2d' });
});

describe('statusRow while a run has the disk (snapshots unreadable): the records\' last success decides', () => {
  const running = { state: 'running' as const, id: 'r', file: 'f', errors: [], warnings: [] };
  test.each([
    ['run in progress, last success 5h ago', { running: 42, lastSuccess: snap(5) }, false, 'snap-5h'],
    ['run in progress, last success 30h ago', { running: 42, lastSuccess: snap(30) }, true, 'snap-30h'],
    ['run in progress, no record of a success', { running: 42 }, true, undefined],
    ['no run: an unreadable disk is never excused by the record', { lastSuccess: snap(5), error: 'guard: disk missing' }, true, undefined],
  ])('%s', (_n, extra, stale, last) => {
    const row = statusRow('h', overview([], { snapshots: undefined, lastRun: running, ...extra }), NOW, 26 * H, '0.1.0');
    expect([row.stale, row.lastSnapshot, row.result]).toEqual([stale, last, 'running']);
    expect(row.snapshots).toBeUndefined();
  });
});

test('per-source results of the last run (last-run.json): in the row, and listed under the table for hosts with several sources', () => {
  const kept = stampOf(new Date(NOW.getTime() - 3 * H));
  const sources = [
    { source: 'marte:/Apps', status: 'ok' as const },
    { source: 'venus:/srv', status: 'failed' as const, reason: 'host venus: unreachable (connection refused)', kept },
  ];
  const lastRun = { id: 'x', file: '', state: 'warning' as const, exitCode: 2, errors: [], warnings: ['venus:/srv: host venus: unreachable (connection refused)'], sources, from: 'record' as const };
  const row = statusRow('h1', overview([snap(3, 'warning')], { lastRun }), NOW, 26 * H, '0.1.0');
  expect(row.sources).toEqual(sources);
  expect(row.stale).toBe(false);
  const text = formatStatus([row, statusRow('h2', overview([snap(3)]), NOW, 26 * H, '0.1.0')], '0.1.0', '26h');
  expect(text).toContain([
    'last run, per source:',
    '  h1  marte:/Apps: ok',
    `  h1  venus:/srv: failed: host venus: unreachable (connection refused); its copy from ${kept} is kept (stale)`,
    '',
    'all 2 host(s) have a successful snapshot newer than 26h',
  ].join('\n'));
});

test.each([
  ['failed, kept from 3h ago', [{ source: 'v:/s', status: 'failed' as const, kept: 3 }], []],
  ['failed, kept from 30h ago', [{ source: 'v:/s', status: 'failed' as const, kept: 30 }], ['v:/s']],
  ['failed, never pulled', [{ source: 'v:/s', status: 'failed' as const }], ['v:/s']],
  ['ok and warning', [{ source: 'v:/s', status: 'ok' as const }, { source: 'm:/a', status: 'warning' as const }], []],
])('a source not pulled within max-age makes the host stale: %s', (_what, list, stale) => {
  const sources = list.map((x) => ({ source: x.source, status: x.status, ...('kept' in x ? { kept: stampOf(new Date(NOW.getTime() - x.kept * H)) } : {}) }));
  expect(staleSources(sources, NOW, 26 * H)).toEqual(stale);
  const lastRun = { id: 'x', file: '', state: 'warning' as const, exitCode: 2, errors: [], warnings: [], sources, from: 'record' as const };
  const row = statusRow('h1', overview([snap(3, 'warning')], { lastRun }), NOW, 26 * H, '0.1.0');
  expect(row.stale).toBe(stale.length > 0);
  if (stale.length > 0) expect(formatStatus([row], '0.1.0', '26h')).toContain(`no successful snapshot newer than 26h: h1 (source ${stale[0]})`);
});
