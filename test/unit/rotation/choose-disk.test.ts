import { describe, expect, test } from 'vitest';
import { chooseDisk } from '../../../runtime/disks/choose-disk.ts';
import type { ProbedFilesystem } from '../../../runtime/disks/blkid.ts';
import type { DiskRecords } from '../../../runtime/disks/seen-record.ts';

const UA = '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01';
const UB = '9a2e4f10-1c3b-4d7e-8f2a-6b5c4d3e2f10';
const UC = '11111111-2222-4333-8444-555555555555';
const LUKS = '77b1aaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const A = { id: 'A', uuid: UA };
const B = { id: 'B', uuid: UB };
const E = { id: 'E', uuid: UC, luks_uuid: LUKS, key_file: '/etc/linkdest/keys/E.key' };
const fs = (device: string, uuid: string, type = 'ext4', label = 'linkdest'): ProbedFilesystem => ({ device, uuid, type, label });
const rec = (newest?: string): DiskRecords[string] => ({ known_since: '2026-11-01T00:00:00.000Z', ...(newest && { newest_snapshot: newest }) });

describe('chooseDisk', () => {
  test.each<[string, ProbedFilesystem[], DiskRecords, string | undefined, string[]]>([
    ['nothing attached', [], {}, undefined, []],
    ['only A attached', [fs('/dev/sdc1', UA)], {}, 'A', ['A']],
    ['only B attached, UUID in upper case', [fs('/dev/sdd1', UB.toUpperCase().toLowerCase())], {}, 'B', ['B']],
    ['both: B older', [fs('/dev/sdc1', UA), fs('/dev/sdd1', UB)], { A: rec('2026-12-02_03-00-00'), B: rec('2026-11-25_03-00-00') }, 'B', ['A', 'B']],
    ['both: A older', [fs('/dev/sdc1', UA), fs('/dev/sdd1', UB)], { A: rec('2026-11-20_03-00-00'), B: rec('2026-11-25_03-00-00') }, 'A', ['A', 'B']],
    ['both: B never used counts as oldest', [fs('/dev/sdc1', UA), fs('/dev/sdd1', UB)], { A: rec('2026-11-20_03-00-00') }, 'B', ['A', 'B']],
    // Runs seconds apart (the e2e rotation test's) give both disks the same newest name.
    ['same newest name: the disk written less recently', [fs('/dev/sdc1', UA), fs('/dev/sdd1', UB)], {
      A: { ...rec('2026-12-04_19-09-12'), last_used: '2026-12-04T19:09:12.900Z' }, B: { ...rec('2026-12-04_19-09-12'), last_used: '2026-12-04T19:09:12.100Z' },
    }, 'B', ['A', 'B']],
    ['both never used: by id', [fs('/dev/sdd1', UB), fs('/dev/sdc1', UA)], {}, 'A', ['A', 'B']],
    ['encrypted disk seen by its LUKS uuid while closed', [fs('/dev/sde1', LUKS, 'crypto_LUKS', '')], {}, 'E', ['E']],
    ['an unknown disk alone is not used', [fs('/dev/sdf1', '99999999-2222-4333-8444-555555555555')], {}, undefined, []],
  ])('%s', (_name, seen, records, chosen, attached) => {
    const c = chooseDisk([A, B, E], seen, records);
    expect(c.chosen?.id).toBe(chosen);
    expect(c.attached).toEqual(attached);
  });

  test('two attached: the reason names both and why', () => {
    const c = chooseDisk([A, B], [fs('/dev/sdc1', UA), fs('/dev/sdd1', UB)], { A: rec('2026-12-02_03-00-00'), B: rec('2026-11-25_03-00-00') });
    expect(c.reason).toBe('disk B: 2 enrolled disks attached, B (newest snapshot 2026-11-25_03-00-00), A (newest snapshot 2026-12-02_03-00-00); the one with the older newest snapshot is used');
  });

  test('unknown filesystems: unmounted disk-like ones only, named in the reason when none is enrolled', () => {
    const other = '99999999-2222-4333-8444-555555555555';
    const c = chooseDisk([A], [
      fs('/dev/sdf1', other), fs('/dev/sda1', '88888888-2222-4333-8444-555555555555'), fs('/dev/sda2', '77777777-2222-4333-8444-555555555555', 'swap'),
    ], {}, new Set(['/dev/sda1']));
    expect(c.chosen).toBeUndefined();
    expect(c.unknown.map((u) => u.device)).toEqual(['/dev/sdf1']);
    expect(c.reason).toBe(`no enrolled disk attached (enrolled: A); attached but not enrolled (not written to): /dev/sdf1 (ext4, label linkdest, uuid ${other})`);
  });

  test('an unknown disk beside an enrolled one is listed, the enrolled one used', () => {
    const c = chooseDisk([A], [fs('/dev/sdc1', UA), fs('/dev/sdf1', UC)], {});
    expect(c.chosen?.id).toBe('A');
    expect(c.unknown.map((u) => u.uuid)).toEqual([UC]);
  });
});
