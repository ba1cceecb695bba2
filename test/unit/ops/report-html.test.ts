/**
 * `linkdest report --html` decisions and rendering: hosts that need a look first, chart
 * series taken from the snapshots' metadata (last N only), and every host-supplied string
 * escaped (a hostile host name and warning stay text, never markup).
 */
import { describe, expect, test } from 'vitest';
import type { Overview, SnapshotRow } from '../../../runtime/ops/overview.ts';
import { renderHtmlReport } from '../../../provision/report/html-report.ts';
import { reportHosts, type HostOverview } from '../../../provision/report/report-hosts.ts';
import { escapeHtml } from '../../../provision/report/html-escape.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const H = 3_600_000;
const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert('x')">&amp;`;
const snap = (hoursAgo: number, status = 'ok', extra: Partial<SnapshotRow> = {}): SnapshotRow => ({
  name: `snap-${hoursAgo}h`, time: new Date(NOW.getTime() - hoursAgo * H).toISOString(), status,
  files: 10, bytesTotal: 2048, bytesAdded: 1000 + hoursAgo, freeBytes: 1e9 - hoursAgo, freeInodes: 5000 + hoursAgo, ...extra,
});
const ov = (snapshots: SnapshotRow[], extra: Partial<Overview> = {}): Overview => ({
  version: '0.1.0', host: 'h', destination: '/mnt/Backup', set: '/mnt/Backup/h', mounted: false,
  schedule: { kind: 'systemd', next: '2026-11-26T02:30:00.000Z' }, snapshots, partials: [], ...extra,
});
const run = (state: string): NonNullable<Overview['lastRun']> => ({ id: 'r', state, errors: state === 'failed' ? ['guard: disk missing'] : [], warnings: [] } as unknown as NonNullable<Overview['lastRun']>);

describe('report order: failed, unreachable, stale, warning, ok; then the oldest snapshot first', () => {
  const input: HostOverview[] = [
    { host: 'ok-new', overview: ov([snap(48), snap(2)]) },
    { host: 'ok-older', overview: ov([snap(48), snap(20)]) },
    { host: 'stale', overview: ov([snap(60)]) },
    { host: 'gone', error: 'connect ECONNREFUSED 127.0.0.1:9', unreachable: true },
    { host: 'failed', overview: ov([snap(3)], { lastRun: run('failed') }) },
    { host: 'warned', overview: ov([snap(3, 'warning')], { lastRun: run('warning') }) },
  ];
  test('order and severity', () => {
    const rows = reportHosts(input, NOW, 26 * H, 30, '0.1.0');
    expect(rows.map((r) => [r.row.host, r.severity])).toEqual([
      ['failed', 0], ['gone', 1], ['stale', 2], ['warned', 3], ['ok-older', 4], ['ok-new', 4],
    ]);
  });
});

test('charts take the last N snapshots from the metadata; count is the depth of history', () => {
  const snaps = [snap(96), snap(72), snap(48, 'ok', { freeBytes: undefined, freeInodes: undefined }), snap(24)];
  const [h] = reportHosts([{ host: 'a', overview: ov(snaps) }], NOW, 26 * H, 3, '0.1.0');
  expect(h!.series.count.map((p) => p.value)).toEqual([2, 3, 4]);
  expect(h!.series.added.map((p) => p.value)).toEqual([1072, 1048, 1024]);
  expect(h!.series.freeBytes.map((p) => p.label)).toEqual(['snap-72h', 'snap-24h']);
});

test.each([
  ['<b>', '&lt;b&gt;'], ['"\'&', '&quot;&#39;&amp;'], ['a\x1b[2Jb', 'a\\x1b[2Jb'], ['plain', 'plain'],
])('escapeHtml(%j)', (raw, html) => {
  expect(escapeHtml(raw)).toBe(html);
});

test('a hostile host name and warning appear as text only', () => {
  const rows = reportHosts([
    { host: HOSTILE, overview: ov([snap(3, 'warning', { warnings: [HOSTILE] })]) },
    { host: 'gone', error: HOSTILE, unreachable: true },
  ], NOW, 26 * H, 30, '0.1.0');
  const html = renderHtmlReport({ hosts: rows, generatedAt: NOW, maxAge: '26h', lastN: 30, controlVersion: '0.1.0' });
  expect(html).not.toContain('<script>alert');
  expect(html).not.toContain('<img');
  expect(html).not.toMatch(/onerror="/);
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  // No tag of ours loads anything: no script, no src or href attribute, no CSS url().
  // Attribute values are dropped first (escaped ones hold no quote, so this is exact).
  expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<script|<[a-z]+[^>]*\s(src|href)=|url\(/i);
});
