import { describe, expect, test } from 'vitest';
import { classifyDisk, confirmsDisk, diskRows } from '../../../provision/wizard/disks.ts';
import { dev, diskFacts, FACTS, typicalDisks } from './fixtures.ts';

const opts = { label: 'linkdest', marker: '.linkdest-backup', mountpoint: '/mnt/Backup', mounts: FACTS.mounts };
const classified = () => typicalDisks().map((d) => classifyDisk(d, opts)!);

describe('which disks may hold the backups', () => {
  test.each([
    ['/dev/sda', 'system', 'system disk: holds /'],
    ['/dev/sdb', 'blank', undefined],
    ['/dev/sdc', 'data', undefined],
    ['/dev/sdd', 'linkdest', undefined],
    ['/dev/sde', 'mounted', 'mounted at /media/photos'],
  ])('%s is %s', (path, state, blocked) => {
    const c = classified().find((d) => d.path === path)!;
    expect(c.state).toBe(state);
    expect(c.blocked).toBe(blocked);
  });

  test.each([
    ['swap counts as system', dev('sdf', { children: [dev('sdf1', { type: 'part', mountpoints: ['[SWAP]'] })] }), 'system'],
    ['read-only', dev('sdf', { ro: true }), 'read-only'],
    ['a loop device is its own stable name', dev('loop7', { type: 'loop' }), 'blank'],
    ['no by-id link: refused', dev('sdf'), 'no-stable-name'],
  ])('%s', (_why, d, state) => {
    expect(classifyDisk(diskFacts(d), opts)!.state).toBe(state);
  });

  test('a RAID/LVM member is in use', () => {
    const d = diskFacts(dev('sdf'), { aliases: ['/dev/disk/by-id/usb-x'], holders: { '/dev/sdf': ['md0'] } });
    expect(classifyDisk(d, opts)).toMatchObject({ state: 'in-use', blocked: expect.stringContaining('in use') });
  });

  test('the stable name prefers the vendor by-id link over wwn-', () => {
    expect(classified().find((d) => d.path === '/dev/sdb')!.stable).toBe('/dev/disk/by-id/usb-WD_Elements_WX11-0:0');
  });

  test('linkdest label without the marker is data, not adoptable', () => {
    const d = typicalDisks()[3]!;
    d.rootNames = { '/dev/sdd1': ['lost+found'] };
    expect(classifyDisk(d, opts)!.state).toBe('data');
  });

  test('linkdest disk already mounted at the backup mountpoint stays adoptable', () => {
    const d = typicalDisks()[3]!;
    d.device!.children[0]!.mountpoints = ['/mnt/Backup'];
    expect(classifyDisk(d, opts)!.state).toBe('linkdest');
  });

  test('a disk with data is confirmed by its serial, a filesystem label or uuid, never by anything else', () => {
    const c = classified().find((d) => d.path === '/dev/sdc')!;
    expect(c.contents).toContain('ntfs "Holidays" on sdc1');
    for (const word of ['WX22', 'Holidays', '0A1B']) expect(confirmsDisk(c, word)).toBe(true);
    for (const word of ['', 'yes', 'wx22', '/dev/sdc']) expect(confirmsDisk(c, word)).toBe(false);
    expect(c.formatToken).toBe('WX22');
  });

  test('the table shows size, model, serial, bus, state and contents on one row per disk', () => {
    const { header, rows } = diskRows(classified());
    expect(header).toMatch(/^DEVICE\s+SIZE\s+MODEL\s+SERIAL\s+BUS\s+STATE\s+CONTENTS$/);
    expect(rows[0]).toMatch(/^sda\s+500\.0 GiB\s+Samsung SSD\s+S1\s+sata\s+SYSTEM\s+gpt table, 2 partitions, ext4 on sda2, mounted at \/$/);
    expect(rows[1]).toMatch(/^sdb\s+2\.0 TiB\s+Elements\s+WX11\s+usb\s+blank\s+blank$/);
  });
});
