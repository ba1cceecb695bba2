import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseLsblk } from '../../../provision/facts/parse-lsblk.ts';
import { parseBlkidProps } from '../../../runtime/disks/blkid.ts';
import { parseWipefs } from '../../../provision/facts/parse-wipefs.ts';
import { parseFstab, parseProcMounts, fstabEscape, unescapeOctal } from '../../../provision/facts/parse-mounts.ts';
import { parseOsRelease } from '../../../provision/facts/parse-os-release.ts';
import { parseDebugfsLs } from '../../../provision/facts/parse-debugfs.ts';
import { parseAutofs, parseFileFact, parseInit, parseNodeVersion, parseRsyncVersion } from '../../../provision/facts/parse-host.ts';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

describe('lsblk -J -b', () => {
  test('partitioned disk: children, sizes in bytes, null fields dropped (no udev)', () => {
    const [disk] = parseLsblk(fixture('lsblk-gpt-ext4-mounted.json'));
    expect(disk).toMatchObject({ name: 'loop1', path: '/dev/loop1', type: 'loop', size: 67108864, ro: false, rm: false, mountpoints: [] });
    expect(disk!.fstype).toBeUndefined();
    expect(disk!.children.map((c) => [c.path, c.type, c.size, c.pkname])).toEqual([['/dev/loop1p1', 'part', 66043392, 'loop1']]);
  });
  test('blank disk has no children', () => {
    const [disk] = parseLsblk(fixture('lsblk-blank.json'));
    expect(disk!.children).toEqual([]);
  });
  test('two partitions', () => {
    expect(parseLsblk(fixture('lsblk-gpt-two-partitions.json'))[0]!.children).toHaveLength(2);
  });
  test('empty output (device gone) is no device', () => {
    expect(parseLsblk('')).toEqual([]);
  });
});

describe('blkid -p -o export', () => {
  test.each([
    ['blkid-gpt-disk.txt', { PTTYPE: 'gpt' }],
    ['blkid-ext4-partition.txt', { TYPE: 'ext4', LABEL: 'linkdest', PART_ENTRY_NAME: 'linkdest', USAGE: 'filesystem' }],
    ['blkid-ext4-whole-disk.txt', { TYPE: 'ext4', LABEL: 'data' }],
    ['blkid-blank.txt', {}],
  ])('%s', (file, expected) => {
    expect(parseBlkidProps(fixture(file))).toMatchObject(expected);
  });
  test('backslash escapes are undone', () => {
    expect(parseBlkidProps('LABEL=my\\ disk\\$x\n').LABEL).toBe('my disk$x');
  });
});

describe('wipefs -n -J', () => {
  test.each([
    ['wipefs-blank.json', []],
    ['wipefs-gpt-disk.json', ['gpt', 'gpt', 'PMBR']],
    ['wipefs-ext4-partition.json', ['ext4']],
    ['wipefs-ext4-whole-disk.json', ['ext4']],
  ])('%s', (file, types) => {
    expect(parseWipefs(fixture(file)).map((s) => s.type)).toEqual(types);
  });
  test('filesystem signature carries label and uuid', () => {
    const [sig] = parseWipefs(fixture('wipefs-ext4-whole-disk.json'));
    expect(sig).toMatchObject({ device: 'loop0', label: 'data', offset: '0x438' });
    expect(sig!.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/proc/mounts and /etc/fstab', () => {
  test('octal escapes in mount points are decoded', () => {
    const loop = parseProcMounts(fixture('proc-mounts.txt')).find((m) => m.source === '/dev/loop1p1');
    expect(loop).toMatchObject({ target: '/tmp/ldcap/mnt a', fstype: 'ext4' });
  });
  test('fstab: comments skipped, tabs split, line numbers kept', () => {
    const entries = parseFstab(fixture('fstab-gentoo.txt'));
    expect(entries.map((e) => [e.source, e.target, e.line])).toEqual([
      ['UUID=6f1c9a2e-0b7d-4c55-9d0e-1f2a3b4c5d6e', '/', 1],
      ['/dev/sda2', 'none', 2],
      ['LABEL=Backup_USB', '/mnt/Backup', 3],
      ['//nas/share', '/mnt/My Share', 4],
    ]);
    expect(entries[2]!.options).toEqual(['noauto', 'noatime']);
  });
  test.each(['/mnt/a b', '/mnt/tab\there', '/mnt/back\\slash', '/plain'])('fstabEscape round trip %j', (p) => {
    expect(fstabEscape(p)).not.toMatch(/[ \t]/);
    expect(unescapeOctal(fstabEscape(p))).toBe(p);
  });
});

describe('small outputs', () => {
  test('os-release of Debian 12', () => {
    expect(parseOsRelease(fixture('os-release-debian12.txt'))).toEqual({
      id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });
  test('os-release with ID_LIKE', () => {
    expect(parseOsRelease('ID=rocky\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n').idLike).toEqual(['rhel', 'centos', 'fedora']);
  });
  test('debugfs ls -p lists root names without . and ..', () => {
    expect(parseDebugfsLs(fixture('debugfs-ls-root.txt'))).toEqual(['lost+found', '.linkdest-backup']);
  });
  test.each([
    ['run-systemd-system\npid1 systemd', true],
    ['pid1 systemd', false],
    ['pid1 init', false],
    ['run-systemd-system\npid1 process_api', false],
  ])('init %j -> systemd %s', (body, expected) => {
    expect(parseInit(body)).toBe(expected);
  });
  test.each([
    ['kernel\ndevice', { kernel: true, device: true }],
    ['kernel', { kernel: true, device: false }],
    ['', { kernel: false, device: false }],
  ])('autofs section %j', (body, expected) => {
    expect(parseAutofs(body)).toEqual(expected);
  });
  test.each([
    ['v18.19.0', '18.19.0'],
    ['', undefined],
  ])('node --version %j', (out, v) => {
    expect(parseNodeVersion(out)).toBe(v);
  });
  test('rsync --version first line', () => {
    expect(parseRsyncVersion('rsync  version 3.2.7  protocol version 31')).toBe('3.2.7');
  });
  test('file fact with content, directory without', () => {
    expect(parseFileFact(`stat regular file|600|root|root|3\nsha256 abc\ncontent ${Buffer.from('hi\n').toString('base64')}`)).toEqual({
      exists: true, type: 'file', mode: 0o600, owner: 'root', group: 'root', size: 3, sha256: 'abc', content: 'hi\n',
    });
    expect(parseFileFact('stat directory|755|root|root|4096')).toMatchObject({ exists: true, type: 'directory', mode: 0o755 });
    expect(parseFileFact('absent')).toEqual({ exists: false });
  });
});
