import { describe, expect, test } from 'vitest';
import { renderMetrics } from '../../../runtime/report/metrics.ts';
import { webhookPayload } from '../../../runtime/report/webhook.ts';
import { formatSummary } from '../../../runtime/report/format.ts';
import { summaryLines } from '../../../runtime/stats.ts';
import type { Overview } from '../../../runtime/ops/overview.ts';
import { statusExitCode, statusRow } from '../../../provision/ops/status-rows.ts';
import { formatStatus } from '../../../provision/ops/status-format.ts';
import { runResult } from '../runtime-periphery/run-result-fixture.ts';

const disks = {
  used: 'A', reason: 'disk A: the only enrolled disk attached',
  unknown: ['/dev/sdf1 (ext4, label linkdest, uuid 99999999-2222-4333-8444-555555555555)'],
  disks: [
    { id: 'A', attached: true, newestSnapshot: '2026-11-26_03-00-00', lastSeen: '2026-11-26T04:02:05.000Z', freeBytes: 1000, absent: false },
    { id: 'B', attached: false, lastSeen: '2026-11-01T04:00:00.000Z', absent: true },
  ],
};

describe('a rotation run in the report', () => {
  const r = runResult({ disks, status: 'warning', exitCode: 2, warnings: ['disk B not seen for 25d'] });

  test('metrics: last seen, absent and used per disk', () => {
    const text = renderMetrics(r, undefined);
    expect(text).toContain('linkdest_disk_last_seen_timestamp_seconds{name="Apps",disk="A"} 1795665725');
    expect(text).toContain('linkdest_disk_last_seen_timestamp_seconds{name="Apps",disk="B"} 1793505600');
    expect(text).toContain('linkdest_disk_absent{name="Apps",disk="A"} 0');
    expect(text).toContain('linkdest_disk_absent{name="Apps",disk="B"} 1');
    expect(text).toContain('linkdest_disk_used{name="Apps",disk="A"} 1');
    expect(text).toContain('linkdest_disk_free_bytes{name="Apps",disk="A"} 1000');
  });

  test('a host without rotation has no disk metrics', () => {
    expect(renderMetrics(runResult(), undefined)).not.toContain('linkdest_disk_');
  });

  test('log, mail and webhook name the disk used and the unknown one', () => {
    expect(summaryLines(r)).toContain('disk: A (disk A: the only enrolled disk attached)');
    expect(summaryLines(r)).toContain(`attached but not enrolled, not written to: ${disks.unknown[0]}`);
    expect(formatSummary(r)).toContain('Disk: A (disk A: the only enrolled disk attached)');
    const p = webhookPayload(r);
    expect(p.disks).toEqual(disks);
    expect(p.text).toContain('on disk A');
    expect(webhookPayload(runResult()).disks).toBeNull();
  });
});

describe('status: an absent rotation disk is a warning', () => {
  const NOW = new Date('2026-11-26T12:00:00Z');
  const o = (absent: boolean): Overview => ({
    version: '0.1.0', host: 'h', destination: '/mnt/Backup', set: '/mnt/Backup/h', mounted: false,
    schedule: { kind: 'systemd', next: '2026-11-27T02:30:00.000Z' }, partials: [],
    snapshots: [{ name: '2026-11-26_03-00-00', time: '2026-11-26T03:00:00.000Z', status: 'ok' }],
    disks: [
      { id: 'A', uuid: 'u', encrypted: false, attached: true, newestSnapshot: '2026-11-26_03-00-00', lastSeen: '2026-11-26T03:10:00.000Z', freeBytes: 2048, absent: false },
      { id: 'B', uuid: 'v', encrypted: true, attached: false, absent, ...(absent && { absentForS: 20 * 86400 }) },
    ],
  });
  test.each([[false, 0], [true, 2]])('absent=%s -> exit %d', (absent, code) => {
    const row = statusRow('h', o(absent), NOW, 26 * 3_600_000, '0.1.0');
    expect(row.absentDisks).toEqual(absent ? ['B'] : undefined);
    expect(statusExitCode([row])).toBe(code);
  });
  test('a stale host still fails with 1', () => {
    const row = { ...statusRow('h', o(true), NOW, 26 * 3_600_000, '0.1.0'), stale: true };
    expect(statusExitCode([row])).toBe(1);
  });
  test('the table lists each disk and flags the absent one', () => {
    const text = formatStatus([statusRow('h', o(true), NOW, 26 * 3_600_000, '0.1.0')], '0.1.0', '26h');
    expect(text).toMatch(/h {2}disk A {2}attached {2}newest 2026-11-26_03-00-00 {2}last seen .* {2}free 2 KiB|h {2}disk A {2}attached/);
    expect(text).toContain('h  disk B  not attached  encrypted  newest none  last seen never  free -  ABSENT for 20d');
    expect(text).toContain('warning: rotation disks away longer than rotation.max_absence: h (disk B)');
  });
});
