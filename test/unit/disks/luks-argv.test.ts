import { describe, expect, test } from 'vitest';
import {
  addRecoveryArgv, closeArgv, keyFilePath, luksDevicePath, luksFormatArgv, luksUuidArgv, mapperName, openArgv,
  parseStatusDevice,
} from '../../../runtime/disks/luks-argv.ts';

const UUID = '77b1c0de-1234-4abc-9def-0123456789ab';
const KEY = '/etc/linkdest/keys/A.key';

describe('cryptsetup command lines', () => {
  test.each<[string, string[], string[]]>([
    ['format: LUKS2, key from the file, fast KDF for the random key', luksFormatArgv('/dev/sdb1', KEY),
      ['cryptsetup', 'luksFormat', '--batch-mode', '--type', 'luks2', '--key-file', KEY, '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '/dev/sdb1']],
    ['recovery slot: unlocked by the key file, new passphrase from stdin, argon2id', addRecoveryArgv('/dev/sdb1', KEY),
      ['cryptsetup', 'luksAddKey', '--batch-mode', '--key-file', KEY, '--pbkdf', 'argon2id', '/dev/sdb1']],
    ['uuid', luksUuidArgv('/dev/sdb1'), ['cryptsetup', 'luksUUID', '/dev/sdb1']],
    ['open by the by-uuid link', openArgv(luksDevicePath(UUID), KEY, mapperName('A')),
      ['cryptsetup', 'open', '--type', 'luks2', '--key-file', KEY, `/dev/disk/by-uuid/${UUID}`, 'linkdest-A']],
    ['close', closeArgv('linkdest-A'), ['cryptsetup', 'close', 'linkdest-A']],
  ])('%s', (_t, got, want) => {
    expect(got).toEqual(want);
  });

  test('no command line takes a passphrase or key material as an argument', () => {
    for (const argv of [luksFormatArgv('/dev/x', KEY), addRecoveryArgv('/dev/x', KEY), openArgv('/dev/x', KEY, 'n')]) {
      expect(argv.filter((a) => a.startsWith('-')).sort()).not.toContain('--key-file=-');
      expect(argv).not.toContain('-');
      expect(argv[argv.indexOf('--key-file') + 1]).toBe(KEY);
    }
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a disk id that could escape the key directory', () => keyFilePath('../x'), /not \[A-Za-z0-9_-\]/],
    ['an empty disk id', () => mapperName(''), /not \[A-Za-z0-9_-\]/],
    ['a disk id longer than 16', () => keyFilePath('A'.repeat(17)), /not \[A-Za-z0-9_-\]/],
    ['a LUKS UUID that is a path', () => luksDevicePath('../../sda'), /is not a UUID/],
  ])('refused: %s', (_t, f, message) => {
    expect(f).toThrow(message);
  });

  test.each<[string, string]>([['A', '/etc/linkdest/keys/A.key'], ['off-site_2', '/etc/linkdest/keys/off-site_2.key']])('key file of %s', (id, path) => {
    expect(keyFilePath(id)).toBe(path);
  });

  test('the by-uuid link is lower case, as udev writes it', () => {
    expect(luksDevicePath(UUID.toUpperCase())).toBe(`/dev/disk/by-uuid/${UUID}`);
  });

  test.each<[string, string | undefined]>([
    ['/dev/mapper/linkdest-A is active.\n  type:    LUKS2\n  cipher:  aes-xts-plain64\n  device:  /dev/vdb1\n  sector size:  4096\n', '/dev/vdb1'],
    ['/dev/mapper/linkdest-A is inactive.\n', undefined],
  ])('cryptsetup status -> backing device', (stdout, device) => {
    expect(parseStatusDevice(stdout)).toBe(device);
  });
});
