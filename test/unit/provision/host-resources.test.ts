/** Packages, directory, mount units, fstab, unit state, schedule, marker: spec + facts -> exact changes. */
import { describe, expect, test } from 'vitest';
import type { Facts } from '../../../provision/facts/types.ts';
import { PackagesResource } from '../../../provision/resources/packages.ts';
import { DirectoryResource } from '../../../provision/resources/directory.ts';
import { MountUnitsResource, renderMountUnits } from '../../../provision/resources/mount-units.ts';
import { FstabResource, fstabLine } from '../../../provision/resources/fstab.ts';
import { UnitStateResource } from '../../../provision/resources/unit-state.ts';
import { ScheduleResource, VERIFY_JOB, renderSchedule } from '../../../provision/resources/schedule.ts';
import { RetiredScheduleResource } from '../../../provision/resources/retired-schedule.ts';
import { MarkerResource, markerPlaceProblem } from '../../../provision/resources/marker.ts';
import { DiskTarget } from '../../../provision/resources/disk-target.ts';
import type { HostResource } from '../../../provision/resources/host-resource.ts';
import { blankDisk, fileFact, LINKDEST_UUID, linkdestDisk, makeFacts } from './make-facts.ts';

const disk = (mount: 'automount' | 'fstab' = 'automount') => new DiskTarget({
  device: '/dev/disk/by-id/usb-X', fstype: 'ext4', label: 'linkdest', marker: '.linkdest-backup', mountpoint: '/mnt/Backup',
  recordFiles: mount === 'fstab' ? [] : ['/etc/systemd/system/mnt-Backup.mount', '/etc/systemd/system/mnt-Backup.automount'],
});
const mountSpec = { kind: 'automount' as const, mountpoint: '/mnt/Backup', fstype: 'ext4', netdev: false };
const fstabSpec = { mountpoint: '/mnt/Backup', fstype: 'ext4', netdev: false };
const unitFiles = Object.fromEntries(renderMountUnits(mountSpec, LINKDEST_UUID).map((f) => [f.path, fileFact(f.content)]));
const scheduleSpec = { schedule: '*-*-* 02:30:00', randomizedDelaySec: 120 };
const scheduleFiles = (facts: Facts) => Object.fromEntries(renderSchedule(scheduleSpec, facts).map((f) => [f.path, fileFact(f.content)]));
const noNode = makeFacts({ node: undefined, commands: { 'apt-get': '/usr/bin/apt-get', parted: '/usr/sbin/parted', 'mkfs.ext4': '/usr/sbin/mkfs.ext4' } });
const cron = makeFacts({ systemd: false });

interface Case { name: string; resource: HostResource; facts: Facts; changes: string[] }

const cases: Case[] = [
  { name: 'packages: missing node and rsync installed with apt', resource: new PackagesResource({ install: true, fstype: 'ext4' }), facts: noNode, changes: ['install rsync, nodejs with apt'] },
  { name: 'packages_noop', resource: new PackagesResource({ install: false, fstype: 'ext4' }), facts: makeFacts(), changes: [] },
  { name: 'directory: absent', resource: new DirectoryResource('/mnt/Backup'), facts: makeFacts(), changes: ['create directory /mnt/Backup (0700)'] },
  { name: 'directory: absent, with backup_group', resource: new DirectoryResource('/mnt/Backup', { group: 'restorers' }), facts: makeFacts(), changes: ['create directory /mnt/Backup (0750 group restorers)'] },
  { name: 'directory: 0755 as an older linkdest made it', resource: new DirectoryResource('/mnt/Backup'), facts: makeFacts({ files: { '/mnt/Backup': { exists: true, type: 'directory', mode: 0o755, group: 'root' } } }), changes: ['directory /mnt/Backup: 0755 -> 0700'] },
  { name: 'directory: right mode, wrong group', resource: new DirectoryResource('/mnt/Backup', { group: 'restorers' }), facts: makeFacts({ files: { '/mnt/Backup': { exists: true, type: 'directory', mode: 0o750, group: 'root' } } }), changes: ['directory /mnt/Backup: 0750 group root -> 0750 group restorers'] },
  { name: 'directory_noop', resource: new DirectoryResource('/mnt/Backup'), facts: makeFacts({ files: { '/mnt/Backup': { exists: true, type: 'directory', mode: 0o700, group: 'root' } } }), changes: [] },
  { name: 'directory_noop with backup_group', resource: new DirectoryResource('/mnt/Backup', { group: 'restorers' }), facts: makeFacts({ files: { '/mnt/Backup': { exists: true, type: 'directory', mode: 0o750, group: 'restorers' } } }), changes: [] },
  {
    name: 'mount units: blank disk, both units created with the uuid still to come',
    resource: new MountUnitsResource(mountSpec, disk()), facts: makeFacts({ disk: blankDisk() }),
    changes: ['create /etc/systemd/system/mnt-Backup.mount (mode 0644)', 'create /etc/systemd/system/mnt-Backup.automount (mode 0644)'],
  },
  {
    name: 'mount units: adopted disk, unit with wrong mode',
    resource: new MountUnitsResource(mountSpec, disk()),
    facts: makeFacts({ disk: linkdestDisk(), files: { ...unitFiles, '/etc/systemd/system/mnt-Backup.mount': { ...unitFiles['/etc/systemd/system/mnt-Backup.mount']!, mode: 0o600 } } }),
    changes: ['set /etc/systemd/system/mnt-Backup.mount to mode 0644, owner root:root'],
  },
  { name: 'mount units_noop', resource: new MountUnitsResource(mountSpec, disk()), facts: makeFacts({ disk: linkdestDisk(), files: unitFiles }), changes: [] },
  { name: 'fstab: no line yet', resource: new FstabResource(fstabSpec, disk('fstab')), facts: makeFacts({ disk: linkdestDisk(), files: { '/etc/fstab': fileFact('') } }), changes: ['add the /etc/fstab line for /mnt/Backup'] },
  {
    name: 'fstab: the origin LABEL= line is replaced',
    resource: new FstabResource(fstabSpec, disk('fstab')),
    facts: makeFacts({ disk: linkdestDisk(), fstab: [{ source: 'LABEL=Backup_USB', target: '/mnt/Backup', fstype: 'ext4', options: ['noauto'], line: 0 }] }),
    changes: ['update the /etc/fstab line for /mnt/Backup'],
  },
  {
    name: 'fstab_noop',
    resource: new FstabResource(fstabSpec, disk('fstab')),
    facts: makeFacts({ disk: linkdestDisk(), fstab: [{ source: `UUID=${LINKDEST_UUID}`, target: '/mnt/Backup', fstype: 'ext4', options: ['nofail', 'noatime'], line: 3 }] }),
    changes: [],
  },
  { name: 'unit: not found yet', resource: new UnitStateResource('linkdest.timer'), facts: makeFacts(), changes: ['enable and start linkdest.timer'] },
  { name: 'unit: enabled but stopped', resource: new UnitStateResource('linkdest.timer'), facts: makeFacts({ units: { 'linkdest.timer': { enabled: 'enabled', active: 'inactive' } } }), changes: ['start linkdest.timer'] },
  { name: 'unit_noop', resource: new UnitStateResource('linkdest.timer'), facts: makeFacts({ units: { 'linkdest.timer': { enabled: 'enabled', active: 'active' } } }), changes: [] },
  { name: 'unit_noop without systemd', resource: new UnitStateResource('linkdest.timer'), facts: cron, changes: [] },
  { name: 'schedule: systemd host', resource: new ScheduleResource(scheduleSpec), facts: makeFacts(), changes: ['create /etc/systemd/system/linkdest.service (mode 0644)', 'create /etc/systemd/system/linkdest.timer (mode 0644)'] },
  { name: 'schedule: cron host', resource: new ScheduleResource(scheduleSpec), facts: cron, changes: ['create /etc/cron.d/linkdest (mode 0644)'] },
  { name: 'schedule_noop', resource: new ScheduleResource(scheduleSpec), facts: makeFacts({ files: scheduleFiles(makeFacts()) }), changes: [] },
  { name: 'verify schedule: systemd host', resource: new ScheduleResource(scheduleSpec, VERIFY_JOB), facts: makeFacts(), changes: ['create /etc/systemd/system/linkdest-verify.service (mode 0644)', 'create /etc/systemd/system/linkdest-verify.timer (mode 0644)'] },
  { name: 'verify schedule: cron host', resource: new ScheduleResource(scheduleSpec, VERIFY_JOB), facts: cron, changes: ['create /etc/cron.d/linkdest-verify (mode 0644)'] },
  { name: 'verify schedule_noop', resource: new ScheduleResource(scheduleSpec, VERIFY_JOB), facts: makeFacts({ files: Object.fromEntries(renderSchedule(scheduleSpec, makeFacts(), VERIFY_JOB).map((f) => [f.path, fileFact(f.content)])) }), changes: [] },
  { name: 'verify retired: its files go', resource: new RetiredScheduleResource(VERIFY_JOB, 'gone'), facts: makeFacts({ files: Object.fromEntries(renderSchedule(scheduleSpec, makeFacts(), VERIFY_JOB).map((f) => [f.path, fileFact(f.content)])) }), changes: ['remove /etc/systemd/system/linkdest-verify.timer (gone)', 'remove /etc/systemd/system/linkdest-verify.service (gone)'] },
  { name: 'verify retired_noop: never installed', resource: new RetiredScheduleResource(VERIFY_JOB, 'gone'), facts: makeFacts(), changes: [] },
  { name: 'schedule_noop on cron host', resource: new ScheduleResource(scheduleSpec), facts: makeFacts({ systemd: false, files: scheduleFiles(cron) }), changes: [] },
  {
    name: 'marker: adopted by recorded uuid, marker missing',
    resource: new MarkerResource({ mountpoint: '/mnt/Backup', name: '.linkdest-backup', mount: { kind: 'systemd', unit: 'mnt-Backup.mount' }, host: 'h' }, disk()),
    facts: makeFacts({ disk: linkdestDisk({ marker: false }), files: unitFiles }),
    changes: ['create marker /mnt/Backup/.linkdest-backup on the backup filesystem'],
  },
  {
    name: 'marker_noop (seen by debugfs)',
    resource: new MarkerResource({ mountpoint: '/mnt/Backup', name: '.linkdest-backup', mount: { kind: 'systemd', unit: 'mnt-Backup.mount' }, host: 'h' }, disk()),
    facts: makeFacts({ disk: linkdestDisk() }),
    changes: [],
  },
];

describe('resources', () => {
  test.each(cases)('$name', ({ resource, facts, changes }) => {
    expect(resource.check(facts).map((c) => c.summary)).toEqual(changes);
  });
});

describe('details users see', () => {
  test('packages refused without install_packages: one line saying what to install', () => {
    expect(() => new PackagesResource({ install: false, fstype: 'ext4' }).check(noNode)).toThrow(
      'missing rsync, nodejs (Node >= 18): run `apt-get install -y --no-install-recommends -- rsync nodejs` or set install_packages: true',
    );
  });
  test('node 16 is too old', () => {
    expect(() => new PackagesResource({ install: true }).check(makeFacts({ node: { path: '/usr/bin/node', version: '16.20.2' } }))).toThrow(/node 16.20.2 at \/usr\/bin\/node is too old/);
  });
  test('mount units on a host without systemd', () => {
    expect(() => new MountUnitsResource(mountSpec, disk()).check(makeFacts({ systemd: false, disk: linkdestDisk() }))).toThrow(/automount mounts need systemd.*use mount: fstab/);
  });
  test('unit diff of a new disk shows the placeholder uuid; daemon-reload is notified', () => {
    const [mount] = new MountUnitsResource(mountSpec, disk()).check(makeFacts({ disk: blankDisk() }));
    expect(mount!.diff?.after).toContain('What=/dev/disk/by-uuid/<uuid of the new filesystem>');
    expect(mount!.notify).toEqual(['daemon-reload']);
  });
  test('fstab diff keeps other lines and replaces ours in place', () => {
    const before = 'UUID=root / ext4 defaults 0 1\nLABEL=Backup_USB /mnt/Backup ext4 noauto 0 2\n/dev/sda2 none swap sw 0 0\n';
    const facts = makeFacts({ disk: linkdestDisk(), files: { '/etc/fstab': fileFact(before) },
      fstab: [{ source: 'LABEL=Backup_USB', target: '/mnt/Backup', fstype: 'ext4', options: ['noauto'], line: 1 }] });
    const [c] = new FstabResource(fstabSpec, disk('fstab')).check(facts);
    expect(c!.diff?.after).toBe(`UUID=root / ext4 defaults 0 1\nUUID=${LINKDEST_UUID} /mnt/Backup ext4 noatime,nofail 0 2\n/dev/sda2 none swap sw 0 0\n`);
  });
  test('fstab line for iSCSI has _netdev; spaces are octal-escaped', () => {
    expect(fstabLine({ mountpoint: '/mnt/My Backup', fstype: 'ext4', netdev: true }, 'u-1')).toBe('UUID=u-1 /mnt/My\\040Backup ext4 noatime,nofail,_netdev 0 2');
  });
  test('cron file runs node from the path the host reports', () => {
    const [cronFile] = renderSchedule(scheduleSpec, makeFacts({ systemd: false, node: { path: '/usr/local/bin/node', version: '20.1.0' } }));
    expect(cronFile!.content).toContain('30 2 * * * root /usr/local/bin/node /usr/local/lib/linkdest/linkdest-runtime.mjs run --config /etc/linkdest/linkdest.json\n');
  });
  test('cron host with a schedule cron cannot express', () => {
    expect(() => new ScheduleResource({ schedule: '*:0/15', randomizedDelaySec: 0 }).check(cron)).toThrow(/no cron equivalent on this host/);
  });
});

/** Without disk: the marker goes only on a filesystem mounted at the mount point, never on the one holding /. */
describe('marker without disk: where it may go', () => {
  const spec = { mountpoint: '/mnt/Backup', name: '.linkdest-backup', mount: { kind: 'none' as const }, host: 'h' };
  const at = (m: Partial<NonNullable<Facts['marker']>>, files: Facts['files'] = {}) =>
    makeFacts({ marker: { mountpoint: '/mnt/Backup', name: '.linkdest-backup', exists: false, rootDev: '2049', ...m }, files });
  const cases: [string, Facts, string[] | RegExp][] = [
    ['nothing mounted, the directory on the root filesystem', at({ dev: '2049' }),
      /^nothing is mounted at \/mnt\/Backup: a marker there would land on the filesystem that holds \/; mount the backup disk at \/mnt\/Backup first \(or set disk: in the inventory\); marker not written$/],
    ['nothing mounted, the directory on another filesystem (/mnt is its own)', at({ dev: '2065' }), /^nothing is mounted at \/mnt\/Backup: a marker there would land on the filesystem below it;/],
    ['nothing mounted, a marker left on the root filesystem by an older apply', at({ dev: '2049' }, { '/mnt/Backup/.linkdest-backup': fileFact('linkdest backup filesystem\n') }),
      /; the \.linkdest-backup already there is on that filesystem, not on a backup disk: remove it; marker not written$/],
    ['a bind mount of the root filesystem', at({ dev: '2049', mountedSource: '/dev/sda2', mountedFstype: 'ext4' }),
      /^\/mnt\/Backup shows \/dev\/sda2 \(ext4\), the filesystem that holds \/; mount the backup disk at \/mnt\/Backup first; marker not written$/],
    ['the user\'s disk mounted there, no marker yet', at({ dev: '2065', mountedSource: '/dev/sdb1', mountedFstype: 'ext4' }), ['create marker /mnt/Backup/.linkdest-backup on the backup filesystem']],
    ['marker_noop on the user\'s disk', at({ dev: '2065', mountedSource: '/dev/sdb1', mountedFstype: 'ext4', exists: true }), []],
  ];
  test.each(cases)('%s', (_name, facts, expected) => {
    const check = () => new MarkerResource(spec, undefined).check(facts).map((c) => c.summary);
    if (expected instanceof RegExp) expect(check).toThrow(expected);
    else expect(check()).toEqual(expected);
  });
  test('not inspected at all: refused', () => {
    expect(markerPlaceProblem(undefined)).toBe('the mount point was not inspected');
  });
});
