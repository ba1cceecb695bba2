import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { escapePath, execArg, isNormalizedPath, pathUnitName, unitValue } from '../../../provision/systemd/escape.ts';
import { hasCommand, commandNote } from '../../support/needs.ts';

const PATHS = [
  '/mnt/Backup',
  '/mnt/My Backup',
  '/mnt/backup-2024',
  '/mnt/.hidden',
  '/.dot/x',
  '/mnt/a_b:c.d',
  "/mnt/it's $(rm -rf /); `x`",
  '/mnt/Grüße/日本',
  '/mnt/back\\slash',
  '/mnt/tab\there',
  '/',
];

describe.skipIf(!hasCommand('systemd-escape'))(`escapePath agrees with systemd-escape --path${commandNote('systemd-escape')}`, () => {
  test.each(PATHS)('%j', (path) => {
    const real = execFileSync('systemd-escape', ['--path', '--suffix=mount', '--', path], { encoding: 'utf8' }).trim();
    expect(pathUnitName(path, 'mount')).toBe(real);
  });
});

describe('escapePath', () => {
  test('known names', () => {
    expect(escapePath('/mnt/Backup')).toBe('mnt-Backup');
    expect(pathUnitName('/mnt/My Backup', 'automount')).toBe('mnt-My\\x20Backup.automount');
  });
  test.each(['mnt', '/mnt/', '/mnt//x', '/mnt/./x', '/mnt/../x'])('refuses non-normalized %j', (p) => {
    expect(isNormalizedPath(p)).toBe(false);
    expect(() => escapePath(p)).toThrow(/normalized/);
  });
});

describe('unit file values', () => {
  test('percent doubled, line breaks refused', () => {
    expect(unitValue('50%')).toBe('50%%');
    expect(() => unitValue('a\nExecStart=/bin/sh')).toThrow(/line break/);
    expect(() => unitValue('a\\')).toThrow(/backslash/);
  });
  test.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/opt/my node/bin/node', '"/opt/my node/bin/node"'],
    ['a"b$c\\d', '"a\\"b$$c\\\\d"'],
  ])('execArg %j -> %s', (arg, quoted) => {
    expect(execArg(arg)).toBe(quoted);
  });
});
