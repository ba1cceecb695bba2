import { describe, expect, test } from 'vitest';
import { absenceWarnings, diskStates } from '../../../runtime/disks/disk-states.ts';
import { updateRecords, type DiskRecords } from '../../../runtime/disks/seen-record.ts';
import { parseBlkidExport } from '../../../runtime/disks/blkid.ts';
import { parseMarker, rotationMarkerContent } from '../../../runtime/disks/marker-content.ts';

const T0 = new Date('2026-12-01T03:00:00.000Z');
const later = (s: number): Date => new Date(T0.getTime() + s * 1000);
const A = { id: 'A', uuid: '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01' };
const B = { id: 'B', uuid: '9a2e4f10-1c3b-4d7e-8f2a-6b5c4d3e2f10' };

describe('updateRecords', () => {
  test('a new disk becomes known now; the attached one is seen; the used one gets its figures; a retired one is dropped', () => {
    const before: DiskRecords = { A: { known_since: '2026-11-01T00:00:00.000Z', last_seen: '2026-11-20T03:00:00.000Z', newest_snapshot: 'x' }, OLD: { known_since: '2026-01-01T00:00:00.000Z' } };
    const after = updateRecords(before, ['A', 'B'], ['A'], { id: 'A', newest_snapshot: '2026-12-01_03-00-00', free_bytes: 5 }, T0);
    expect(after).toEqual({
      A: { known_since: '2026-11-01T00:00:00.000Z', last_seen: T0.toISOString(), last_used: T0.toISOString(), newest_snapshot: '2026-12-01_03-00-00', free_bytes: 5 },
      B: { known_since: T0.toISOString() },
    });
  });

  test('a disk attached but not used keeps its newest snapshot and is seen', () => {
    const after = updateRecords({ B: { known_since: 'k', newest_snapshot: 'old' } }, ['A', 'B'], ['A', 'B'], { id: 'A' }, T0);
    expect(after.B).toEqual({ known_since: 'k', newest_snapshot: 'old', last_seen: T0.toISOString() });
  });
});

describe('diskStates and the absence rule', () => {
  const records: DiskRecords = {
    A: { known_since: T0.toISOString(), last_seen: T0.toISOString(), newest_snapshot: 's1', free_bytes: 10 },
    B: { known_since: T0.toISOString() },
  };
  test.each<[string, number, string[], string[]]>([
    ['within the limit nobody is absent', 100, [], []],
    ['just at the limit: not yet', 3600, [], []],
    ['past the limit, neither attached: both absent (B counted from enrolment)', 3601, [], ['A', 'B']],
    ['past the limit, A attached now: only B', 3601, ['A'], ['B']],
  ])('%s', (_n, after, attached, absent) => {
    const s = diskStates([A, B], records, attached, later(after), 3600);
    expect(s.filter((x) => x.absent).map((x) => x.id)).toEqual(absent);
  });

  test('warning line says how long, since when and the limit', () => {
    const s = diskStates([A, B], records, ['B'], later(3 * 86400 + 7200), 86400);
    expect(absenceWarnings(s, 86400)).toEqual([
      `disk A not seen for 3d 2h (last seen ${T0.toISOString()}), longer than rotation.max_absence 1d: bring it back and attach it`,
    ]);
    expect(s[0]).toMatchObject({ id: 'A', newestSnapshot: 's1', freeBytes: 10, attached: false, encrypted: false });
  });
});

describe('parseBlkidExport', () => {
  test('one paragraph per device; devices without a UUID are skipped; UUIDs lower-cased', () => {
    const text = 'DEVNAME=/dev/loop3p1\nUUID=3F1C2A4E-8B1D-4C55-9E0F-2A6B1C7D9E01\nBLOCK_SIZE=4096\nTYPE=ext4\nLABEL=linkdest\nPARTLABEL=linkdest\n\nDEVNAME=/dev/loop3\nPTUUID=abc\nPTTYPE=gpt\n\nDEVNAME=/dev/sde\nUUID=77b1aaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\nTYPE=crypto_LUKS\n';
    expect(parseBlkidExport(text)).toEqual([
      { device: '/dev/loop3p1', uuid: '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01', type: 'ext4', label: 'linkdest' },
      { device: '/dev/sde', uuid: '77b1aaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', type: 'crypto_LUKS' },
    ]);
  });
});

describe('marker content', () => {
  test.each([
    [rotationMarkerContent('marte', 'A'), { host: 'marte', diskId: 'A' }],
    ['linkdest backup filesystem\nhost: marte\n', { host: 'marte' }],
    ['{not json', {}],
    ['', {}],
  ])('%j', (text, info) => {
    expect(parseMarker(text)).toEqual(info);
  });
});

describe('restore and history name the other disks', () => {
  test('each other disk with the span it held and when it was last seen', async () => {
    const { otherDisks, otherDisksLines } = await import('../../../runtime/disks/other-disks.ts');
    const records: DiskRecords = {
      A: { known_since: 'k', last_seen: '2026-12-01T03:10:00.000Z', oldest_snapshot: '2026-10-01_03-00-00', newest_snapshot: '2026-12-01_03-00-00' },
      B: { known_since: 'k', last_seen: '2026-11-24T03:10:00.000Z', oldest_snapshot: '2026-09-01_03-00-00', newest_snapshot: '2026-11-24_03-00-00' },
    };
    const o = otherDisks([A, B, { id: 'C', uuid: 'x' }], records, 'A');
    expect(otherDisksLines('A', o)).toEqual([
      'read from disk A; the other enrolled disks hold their own versions (attach one to read it):',
      '  disk B: snapshots 2026-09-01_03-00-00 to 2026-11-24_03-00-00, last seen 2026-11-24T03:10:00.000Z',
      '  disk C: no snapshot known, last seen never',
    ]);
    expect(otherDisksLines('A', [])).toEqual([]);
  });
});
