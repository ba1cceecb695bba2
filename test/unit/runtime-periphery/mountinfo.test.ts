import { describe, expect, test } from 'vitest';
import { mountArgv, unmountArgv } from '../../../runtime/mount.ts';
import { filesystemAt, mountAt, parseMountinfo, unescapeMountPath } from '../../../runtime/mountinfo.ts';

const SAMPLE = [
  '22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
  '36 22 7:0 / /mnt/Backup rw,noatime shared:20 - ext4 /dev/loop0 rw',
  '37 22 0:31 / /mnt/with\\040space rw - tmpfs tmpfs rw',
  '38 36 0:32 / /mnt/Backup rw master:3 propagation:slave - tmpfs over rw',
  '39 22 7:1 / /media/usb rw shared:21 - vfat /dev/sdb1 rw,fmask=0022',
].join('\n');

describe('parseMountinfo', () => {
  test('reads mount point, fstype and source, optional fields of any count', () => {
    expect(parseMountinfo(SAMPLE)).toEqual([
      { mountPoint: '/', fsType: 'ext4', source: '/dev/vda1' },
      { mountPoint: '/mnt/Backup', fsType: 'ext4', source: '/dev/loop0' },
      { mountPoint: '/mnt/with space', fsType: 'tmpfs', source: 'tmpfs' },
      { mountPoint: '/mnt/Backup', fsType: 'tmpfs', source: 'over' },
      { mountPoint: '/media/usb', fsType: 'vfat', source: '/dev/sdb1' },
    ]);
  });

  test.each([
    ['/mnt/Backup', 'over'], // the one mounted last is the one visible
    ['/mnt/Backup/', 'over'],
    ['/mnt/with space', 'tmpfs'],
    ['/', '/dev/vda1'],
    ['/mnt', undefined],
    ['/mnt/Backup/sub', undefined],
  ])('mountAt(%s) -> %s', (path, source) => {
    expect(mountAt(parseMountinfo(SAMPLE), path)?.source).toBe(source);
  });

  test.each([
    ['a\\040b', 'a b'], ['tab\\011x', 'tab\tx'], ['back\\134slash', 'back\\slash'], ['plain', 'plain'],
  ])('unescapeMountPath(%s)', (raw, path) => {
    expect(unescapeMountPath(raw)).toBe(path);
  });
});

describe('filesystemAt: an automount trap is not the disk', () => {
  const trap = '40 22 0:40 / /mnt/Auto rw,relatime shared:30 - autofs systemd-1 rw,fd=45,pgrp=1,timeout=0';
  const disk = '41 40 7:2 / /mnt/Auto rw,relatime shared:31 - ext4 /dev/loop2 rw';
  test.each([
    ['trap only', [trap], undefined],
    ['trap with the disk mounted on it', [trap, disk], '/dev/loop2'],
    ['disk without a trap', [disk], '/dev/loop2'],
  ])('%s', (_name, lines, source) => {
    expect(filesystemAt(parseMountinfo(lines.join('\n')), '/mnt/Auto')?.source).toBe(source);
  });
});

describe('mount and unmount commands per destination.mount kind', () => {
  test.each([
    [{ kind: 'none' } as const, undefined, undefined],
    [{ kind: 'fstab' } as const, ['mount', '/mnt/Backup'], ['umount', '/mnt/Backup']],
    [{ kind: 'systemd', unit: 'mnt-Backup.mount' } as const,
      ['systemctl', 'start', 'mnt-Backup.mount'], ['systemctl', 'stop', 'mnt-Backup.mount']],
  ])('%j', (m, mount, umount) => {
    expect(mountArgv('/mnt/Backup', m)).toEqual(mount);
    expect(unmountArgv('/mnt/Backup', m)).toEqual(umount);
  });
});
