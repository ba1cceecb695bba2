/** Partition and filesystem resources (and the safety rule behind them): spec + facts -> exact changes. */
import { describe, expect, test } from 'vitest';
import { DiskTarget, type DiskTargetSpec } from '../../../provision/resources/disk-target.ts';
import { PartitionResource } from '../../../provision/resources/partition.ts';
import { FilesystemResource } from '../../../provision/resources/filesystem.ts';
import type { Facts } from '../../../provision/facts/types.ts';
import { assessDisk } from '../../../provision/resources/disk-state.ts';
import { oneLineError } from '../../../provision/fleet.ts';
import { formatSummaryTable } from '../../../provision/render/summary.ts';
import { blankDisk, DATA_UUID, fileFact, foreignWholeDisk, LINKDEST_UUID, linkdestDisk, makeFacts, partitionedDisk, sketchDisk } from './make-facts.ts';

const base: DiskTargetSpec = {
  device: '/dev/disk/by-id/usb-WD_Elements_1234-0:0', fstype: 'ext4', label: 'linkdest', marker: '.linkdest-backup',
  mountpoint: '/mnt/Backup', recordFiles: ['/etc/systemd/system/mnt-Backup.mount'],
};
const PTUUID = 'fdef9867-7645-4219-b1b0-9557d3fc881c';
const unitNaming = (uuid: string) => ({ '/etc/systemd/system/mnt-Backup.mount': fileFact(`[Mount]\nWhat=/dev/disk/by-uuid/${uuid}\n`) });

interface Case { name: string; spec?: Partial<DiskTargetSpec>; facts: Facts; partition: string[]; filesystem: string[] }

const cases: Case[] = [
  {
    name: 'blank disk: partition and filesystem both planned',
    facts: makeFacts({ disk: blankDisk() }),
    partition: ['create a GPT partition table with one partition /dev/loop0p1 on /dev/loop0'],
    filesystem: ['create ext4 filesystem labelled linkdest on /dev/loop0p1'],
  },
  {
    name: 'our partition without a filesystem, confirmed by the table uuid: only mkfs',
    spec: { formatConfirm: PTUUID },
    facts: makeFacts({ disk: partitionedDisk() }),
    partition: [],
    filesystem: ['create ext4 filesystem labelled linkdest on /dev/loop1p1'],
  },
  {
    name: 'foreign disk confirmed by its filesystem uuid: wipe planned, loudly',
    spec: { formatConfirm: DATA_UUID },
    facts: makeFacts({ disk: foreignWholeDisk() }),
    partition: [`WIPE /dev/loop0 (ext4 'data' (uuid ${DATA_UUID})) and create a GPT partition table with one partition /dev/loop0p1`],
    filesystem: ['create ext4 filesystem labelled linkdest on /dev/loop0p1'],
  },
  { name: '_noop: label + marker (seen by debugfs, not mounted)', facts: makeFacts({ disk: linkdestDisk() }), partition: [], filesystem: [] },
  {
    name: '_noop: label + uuid recorded in our mount unit, marker not visible',
    facts: makeFacts({ disk: linkdestDisk({ marker: false }), files: unitNaming(LINKDEST_UUID) }),
    partition: [],
    filesystem: [],
  },
  {
    name: '_noop: label + marker on the mounted filesystem',
    facts: makeFacts({
      disk: { ...linkdestDisk({ marker: false }), rootNames: {} },
      mounts: [{ source: '/dev/loop1p1', target: '/mnt/Backup', fstype: 'ext4', options: ['rw'] }],
      marker: { mountpoint: '/mnt/Backup', name: '.linkdest-backup', mountedSource: '/dev/loop1p1', exists: true },
    }),
    partition: [],
    filesystem: [],
  },
];

describe.each(cases)('$name', ({ spec, facts, partition, filesystem }) => {
  const disk = new DiskTarget({ ...base, ...spec });
  test('partition', () => expect(new PartitionResource(disk).check(facts).map((c) => c.summary)).toEqual(partition));
  test('filesystem', () => expect(new FilesystemResource(disk).check(facts).map((c) => c.summary)).toEqual(filesystem));
});

const refusals: [string, Facts, Partial<DiskTargetSpec>, RegExp][] = [
  ['whole-disk ext4 of someone else', makeFacts({ disk: foreignWholeDisk() }), {},
    new RegExp(`^disk /dev/loop0 holds data; refusing to format it; to erase it run: linkdest apply --format-confirm ${DATA_UUID}; found: ext4 'data' \\(uuid ${DATA_UUID}\\)$`)],
  ['a wrong confirmation', makeFacts({ disk: foreignWholeDisk() }), { formatConfirm: LINKDEST_UUID }, /refusing to format/],
  ['our label but no marker and no record: say how to check it', makeFacts({ disk: linkdestDisk({ marker: false }) }), {},
    /refusing to format it; .*found: ext4 'linkdest' \(uuid .*\) on \/dev\/loop1p1, a gpt partition table with 1 partition; if it is a linkdest disk whose marker is unreadable, check it with e2fsck -n \/dev\/loop1p1/],
  ['our label, uuid recorded is another one', makeFacts({ disk: linkdestDisk({ marker: false }), files: unitNaming(DATA_UUID) }), {}, /refusing to format/],
  ['mounted elsewhere, even when confirmed', makeFacts({ disk: foreignWholeDisk(), mounts: [{ source: '/dev/loop0', target: '/srv', fstype: 'ext4', options: [] }] }),
    { formatConfirm: DATA_UUID }, /^disk \/dev\/loop0 is in use: \/dev\/loop0 mounted at \/srv; refusing to format it, even with --format-confirm/],
  ['held by device mapper', makeFacts({ disk: { ...blankDisk(), holders: { '/dev/loop0': ['dm-0'] } } }), {}, /is in use: \/dev\/loop0 held by dm-0; refusing/],
  ['missing disk', makeFacts({ disk: { configured: '/dev/disk/by-id/usb-X', aliases: [], probe: {}, signatures: {}, holders: {}, rootNames: {} } }), {},
    /^disk \/dev\/disk\/by-id\/usb-X not found on the host; is it plugged in\?$/],
  ['a partition named linkdest without a filesystem (interrupted apply or damaged superblock)', makeFacts({ disk: partitionedDisk() }), {},
    new RegExp(`^disk /dev/loop1: partition /dev/loop1p1 is named linkdest but shows no filesystem \\(an interrupted apply, or a damaged linkdest filesystem\\); refusing to format it; check it with e2fsck -n /dev/loop1p1 \\(a damaged superblock: e2fsck -n -b 32768 /dev/loop1p1\\), or format it with linkdest apply --format-confirm ${PTUUID}$`)],
];

describe('refused, with what was found', () => {
  test.each(refusals)('%s', (_name, facts, spec, message) => {
    expect(() => new PartitionResource(new DiskTarget({ ...base, ...spec })).check(facts)).toThrow(message);
  });
});

const want = { fstype: 'ext4', label: 'linkdest', marker: '.linkdest-backup', recordedUuids: [] };

describe('a linkdest partition without a filesystem is formatted only when this apply made it, or when confirmed', () => {
  test('created by this apply a moment ago: partitioned', () => {
    expect(assessDisk(makeFacts({ disk: partitionedDisk() }), { ...want, createdPartition: '/dev/loop1p1' }))
      .toEqual({ state: 'partitioned', disk: '/dev/loop1', partition: '/dev/loop1p1' });
  });
  test('another partition was created (the names differ): refused', () => {
    expect(() => assessDisk(makeFacts({ disk: partitionedDisk() }), { ...want, createdPartition: '/dev/loop0p1' })).toThrow(/e2fsck/);
  });
  test('xfs or btrfs backups are told their own checker', () => {
    expect(() => assessDisk(makeFacts({ disk: partitionedDisk() }), { ...want, fstype: 'xfs' })).toThrow(/check it with xfs_repair -n \/dev\/loop1p1,/);
    expect(() => assessDisk(makeFacts({ disk: partitionedDisk() }), { ...want, fstype: 'btrfs' })).toThrow(/check it with btrfs check --readonly \/dev\/loop1p1,/);
  });
});

const NTFS = { TYPE: 'ntfs', UUID: '5E9A1C2B9A1C0455', LABEL: 'Seagate Expansion Drive', USAGE: 'filesystem' };
const gptPart = (p: Record<string, string>) => ({ probe: { ...p, PART_ENTRY_SCHEME: 'gpt', PART_ENTRY_NAME: 'Basic data partition', PART_ENTRY_UUID: 'b6c1f3b2-5d2e-4a57-9c2c-0d1f8a7e1c11' } });
const dosPart = (p: Record<string, string>) => ({ probe: { ...p, PART_ENTRY_SCHEME: 'dos', PART_ENTRY_UUID: '4ddde377-01' } });
const GPT = { probe: { PTTYPE: 'gpt', PTUUID: '0f3a1d0e-8a7c-4b4a-9d3e-2f6a5c4b3a21' } };
const DOS = { probe: { PTTYPE: 'dos', PTUUID: '4ddde377' } };

/** Disks as shops sell them: one partition holding a filesystem, the partition's uuid confirms. */
const shopLayouts: [string, ReturnType<typeof sketchDisk>, string][] = [
  ['GPT + NTFS', sketchDisk(GPT, [gptPart(NTFS)]), NTFS.UUID],
  ['GPT + exFAT', sketchDisk(GPT, [gptPart({ TYPE: 'exfat', UUID: '1A2B-3C4D', LABEL: 'WD Elements', USAGE: 'filesystem' })]), '1A2B-3C4D'],
  ['MBR + FAT32', sketchDisk(DOS, [dosPart({ TYPE: 'vfat', UUID: 'F611-5B6C', LABEL: 'SHOPDISK', VERSION: 'FAT32', USAGE: 'filesystem' })]), 'F611-5B6C'],
  ['MBR + ext4', sketchDisk(DOS, [dosPart({ TYPE: 'ext4', UUID: DATA_UUID, LABEL: 'data', USAGE: 'filesystem' })]), DATA_UUID],
  ['a bare protective MBR (both GPT headers gone, no id anywhere): the kernel name', sketchDisk({ probe: { PTTYPE: 'PMBR' } }), '/dev/loop0'],
];

describe('shop layouts: refused with the value to confirm; confirmed, every partition is wiped before the table', () => {
  test.each(shopLayouts)('%s', (_name, disk, token) => {
    expect(() => assessDisk(makeFacts({ disk }), want)).toThrow(`refusing to format it; to erase it run: linkdest apply --format-confirm ${token}; found: `);
    const v = assessDisk(makeFacts({ disk }), { ...want, formatConfirm: token });
    expect(v).toMatchObject({ state: 'wipe', disk: '/dev/loop0', partition: '/dev/loop0p1', erase: [...disk.device!.children.map((c) => c.path), '/dev/loop0'] });
  });
});

describe('the value to confirm survives the summary table of a disk with a long description', () => {
  test('four NTFS partitions with long labels: the whole command is in the row', () => {
    const label = 'A very long volume label of a shop disk';
    const disk = sketchDisk(GPT, [1, 2, 3, 4].map((i) => gptPart({ ...NTFS, UUID: `5E9A1C2B9A1C045${i}`, LABEL: `${label} ${i}` })));
    let message = '';
    try {
      assessDisk(makeFacts({ disk }), want);
    } catch (e) {
      message = oneLineError(e);
    }
    expect(message.length).toBeGreaterThan(100);
    const table = formatSummaryTable([{ host: 'nas', status: 'failed', durationMs: 1200, step: 'disk', error: message }]);
    expect(table).toContain('linkdest apply --format-confirm 5E9A1C2B9A1C0451;');
  });
});

const LVM = { TYPE: 'LVM2_member', UUID: '12RG9F-qBCB-8XSo-y4h4-dIxb-ly9F-YwPVGG', VERSION: 'LVM2 001', USAGE: 'raid' };
const MD = { TYPE: 'linux_raid_member', UUID: '7f0c7e27-4f3c-1d4a-9a8e-1f2b3c4d5e6f', LABEL: 'nas:0', USAGE: 'raid' };
const BTRFS = { TYPE: 'btrfs', UUID: '3d7f1938-1bd8-4d35-8c5e-0f0fffe00795', USAGE: 'filesystem' };
const LUKS = { TYPE: 'crypto_LUKS', UUID: '9b1f2a3c-4d5e-6f70-8192-a3b4c5d6e7f8', USAGE: 'crypto' };

/** In use: refused even when the user confirms the very uuid it shows, naming what holds it. */
const inUse: [string, ReturnType<typeof sketchDisk>, string, string][] = [
  ['active swap on a partition', sketchDisk(GPT, [{ probe: { TYPE: 'swap', UUID: 'e1d2c3b4-a5f6-4789-9abc-def012345678' }, mountpoints: ['[SWAP]'] }]),
    'e1d2c3b4-a5f6-4789-9abc-def012345678', '/dev/loop0p1 is active swap'],
  ['an LVM physical volume (whole disk)', sketchDisk({ probe: LVM }), LVM.UUID, '/dev/loop0 is an LVM physical volume'],
  ['an LVM physical volume in a partition, its volume group active', sketchDisk(GPT, [{ probe: LVM, holders: ['dm-0 (LVM vg0-data)'] }]), LVM.UUID,
    '/dev/loop0p1 held by dm-0 (LVM vg0-data), /dev/loop0p1 is an LVM physical volume'],
  ['an md RAID member', sketchDisk({ probe: MD }), MD.UUID, `/dev/loop0 is a member of md RAID array nas:0 (uuid ${MD.UUID})`],
  ['an assembled md RAID member', sketchDisk(GPT, [{ probe: MD, holders: ['md127'] }]), MD.UUID,
    `/dev/loop0p1 held by md127, /dev/loop0p1 is a member of md RAID array nas:0 (uuid ${MD.UUID})`],
  ['a member of a firmware RAID set', sketchDisk({ probe: { TYPE: 'isw_raid_member', VERSION: '1.3.00', USAGE: 'raid' } }), '/dev/loop0',
    '/dev/loop0 is a RAID member (isw_raid_member)'],
  ['a member of a two-device btrfs filesystem', sketchDisk({ probe: BTRFS, btrfsDevices: 2 }), BTRFS.UUID, `/dev/loop0 is one of 2 devices of btrfs filesystem ${BTRFS.UUID}`],
  ['an open LUKS volume', sketchDisk(GPT, [{ probe: LUKS, holders: ['dm-3 (crypt luks-9b1f2a3c)'] }]), LUKS.UUID, '/dev/loop0p1 held by dm-3 (crypt luks-9b1f2a3c)'],
];

describe('in use: refused, not even confirmable, saying what holds it', () => {
  test.each(inUse)('%s', (_name, disk, token, holds) => {
    for (const formatConfirm of [undefined, token]) {
      expect(() => assessDisk(makeFacts({ disk }), { ...want, ...(formatConfirm ? { formatConfirm } : {}) }))
        .toThrow(`disk /dev/loop0 is in use: ${holds}; refusing to format it, even with --format-confirm (free it on the host first)`);
    }
  });
});

/** Not in use: data, confirmable like any other. */
const notInUse: [string, ReturnType<typeof sketchDisk>, string][] = [
  ['a swap signature nobody uses', sketchDisk({ probe: { TYPE: 'swap', UUID: 'e1d2c3b4-a5f6-4789-9abc-def012345678' } }), 'e1d2c3b4-a5f6-4789-9abc-def012345678'],
  ['a one-device btrfs filesystem', sketchDisk({ probe: BTRFS, btrfsDevices: 1 }), BTRFS.UUID],
  ['a closed LUKS volume', sketchDisk(GPT, [{ probe: LUKS }]), LUKS.UUID],
];

describe('not in use: confirmable', () => {
  test.each(notInUse)('%s', (_name, disk, token) => {
    expect(() => assessDisk(makeFacts({ disk }), want)).toThrow(/holds data; refusing to format it/);
    expect(assessDisk(makeFacts({ disk }), { ...want, formatConfirm: token })).toMatchObject({ state: 'wipe' });
  });
});
