import { describe, expect, test } from 'vitest';
import { diskRows, formatDiskRows } from '../../../provision/disks/disk-rows.ts';
import { nextDiskId } from '../../../provision/disks/next-id.ts';
import type { Overview } from '../../../runtime/ops/overview.ts';
import { makeSpec } from '../provision/make-spec.ts';

const overview = (extra: Partial<Overview> = {}): Overview => ({
  version: '0.1.0', host: 'h', destination: '/mnt/Backup', set: '/mnt/Backup/h', mounted: false,
  schedule: { kind: 'systemd' }, partials: [],
  snapshots: [{ name: '2026-11-25_03-00-00', time: '2026-11-25T03:00:00.000Z' }, { name: '2026-11-26_03-00-00', time: '2026-11-26T03:00:00.000Z' }],
  space: { freeBytes: 4096, totalBytes: 8192, freeInodes: 10, totalInodes: 20 },
  ...extra,
});

describe('disk list', () => {
  test('a disk.usb host is one disk: id usb, its newest snapshot and free space, attached when readable', () => {
    const rows = diskRows(makeSpec(), overview());
    expect(rows).toMatchObject([{ id: 'usb', attached: true, newestSnapshot: '2026-11-26_03-00-00', freeBytes: 4096, absent: false }]);
    expect(diskRows(makeSpec(), overview({ snapshots: undefined, space: undefined, error: 'marker missing' })))
      .toMatchObject([{ id: 'usb', attached: false }]);
    expect(diskRows(makeSpec(), overview({ markerDiskId: 'office' }))[0]!.id).toBe('office');
  });

  test('a host without a managed disk has none', () => {
    expect(diskRows(makeSpec({ disk: undefined }), overview())).toEqual([]);
    expect(formatDiskRows([])).toBe('no disks: this host backs up to a directory it does not manage\n');
  });

  test('a rotation host shows what its runtime reported, the absent disk flagged', () => {
    const disks = [
      { id: 'A', uuid: 'u', encrypted: false, attached: true, newestSnapshot: 's', lastSeen: '2026-11-26T03:10:00.000Z', freeBytes: 2048, absent: false },
      { id: 'B', uuid: 'v', encrypted: true, attached: false, absent: true, absentForS: 99 },
    ];
    const text = formatDiskRows(diskRows(makeSpec(), overview({ disks })));
    expect(text.split('\n')[0]).toMatch(/^ID\s+UUID\s+ENCRYPTED\s+NEWEST SNAPSHOT\s+LAST SEEN\s+FREE\s+ATTACHED/);
    expect(text).toMatch(/\nB\s+v\s+yes\s+none\s+never\s+-\s+no \(ABSENT too long\)/);
  });
});

test.each([
  [[], 'A'], [['A'], 'B'], [['A', 'C'], 'B'], [Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i)), 'D27'],
])('nextDiskId(%j) = %s', (taken, id) => {
  expect(nextDiskId(taken)).toBe(id);
});
