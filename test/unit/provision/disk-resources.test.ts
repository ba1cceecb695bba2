/** Partition and filesystem resources (and the safety rule behind them): spec + facts -> exact changes. */
import { describe, expect, test } from 'vitest';
import { DiskTarget, type DiskTargetSpec } from '../../../provision/resources/disk-target.ts';
import { PartitionResource } from '../../../provision/resources/partition.ts';
import { FilesystemResource } from '../../../provision/resources/filesystem.ts';
import type { Facts } from '../../../provision/facts/types.ts';
import { blankDisk, DATA_UUID, fileFact, foreignWholeDisk, LINKDEST_UUID, linkdestDisk, makeFacts, partitionedDisk } from './make-facts.ts';

const base: DiskTargetSpec = {
  device: '/dev/disk/by-id/usb-WD_Elements_1234-0:0', fstype: 'ext4', label: 'linkdest', marker: '.linkdest-backup',
  mountpoint: '/mnt/Backup', recordFiles: ['/etc/systemd/system/mnt-Backup.mount'],
};
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
    name: 'our partition without a filesystem (interrupted apply): only mkfs',
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
    new RegExp(`^disk /dev/loop0 holds ext4 'data' \\(uuid ${DATA_UUID}\\); refusing to format; pass --format-confirm ${DATA_UUID} if you mean it$`)],
  ['a wrong confirmation', makeFacts({ disk: foreignWholeDisk() }), { formatConfirm: LINKDEST_UUID }, /refusing to format/],
  ['our label but no marker and no record', makeFacts({ disk: linkdestDisk({ marker: false }) }), {}, /holds ext4 'linkdest' \(uuid .*\) on \/dev\/loop1p1, a gpt partition table with 1 partition; refusing/],
  ['our label, uuid recorded is another one', makeFacts({ disk: linkdestDisk({ marker: false }), files: unitNaming(DATA_UUID) }), {}, /refusing to format/],
  ['mounted elsewhere, even when confirmed', makeFacts({ disk: foreignWholeDisk(), mounts: [{ source: '/dev/loop0', target: '/srv', fstype: 'ext4', options: [] }] }),
    { formatConfirm: DATA_UUID }, /\/dev\/loop0 mounted at \/srv; it is in use, refusing to format it/],
  ['held by device mapper', makeFacts({ disk: { ...blankDisk(), holders: { '/dev/loop0': ['dm-0'] } } }), {}, /held by dm-0; it is in use/],
  ['missing disk', makeFacts({ disk: { configured: '/dev/disk/by-id/usb-X', aliases: [], probe: {}, signatures: {}, holders: {}, rootNames: {} } }), {},
    /^disk \/dev\/disk\/by-id\/usb-X not found on the host; is it plugged in\?$/],
];

describe('refused, with what was found', () => {
  test.each(refusals)('%s', (_name, facts, spec, message) => {
    expect(() => new PartitionResource(new DiskTarget({ ...base, ...spec })).check(facts)).toThrow(message);
  });
});
