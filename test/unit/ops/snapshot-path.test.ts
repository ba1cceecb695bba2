import { describe, expect, test } from 'vitest';
import { locateInSnapshot, normalizePath } from '../../../runtime/ops/snapshot-path.ts';

const SOURCES = ['/Apps', '/Apps/vm', '/etc', 'root@web:/srv/www'];

describe('locateInSnapshot', () => {
  test.each([
    ['/Apps/x.conf', '/Apps', 'Apps/x.conf'],
    ['/Apps', '/Apps', 'Apps'],
    ['/Apps/vm/disk.img', '/Apps/vm', 'Apps/vm/disk.img'],
    ['/Apps//a/./b/', '/Apps', 'Apps/a/b'],
    ['/etc/my file $(rm -rf x) \'q\'', '/etc', 'etc/my file $(rm -rf x) \'q\''],
    ['web:/srv/www/index.html', 'root@web:/srv/www', 'web/srv/www/index.html'],
  ])('%s is in source %s at %s', (path, source, rel) => {
    expect(locateInSnapshot(path, SOURCES)).toMatchObject({ source, rel });
  });

  test.each(['/Applications/x', '/home/a', 'other:/srv/www/x', '/srv/www/index.html'])('%s is in no source', (path) => {
    expect(locateInSnapshot(path, SOURCES)).toBeUndefined();
  });

  test('a source of / covers everything and maps to the snapshot root', () => {
    expect(locateInSnapshot('/var/lib/x', ['/'])).toMatchObject({ rel: 'var/lib/x' });
    expect(locateInSnapshot('/', ['/'])).toMatchObject({ rel: '' });
  });
});

describe('normalizePath', () => {
  test.each([
    ['Apps/x', /absolute path/],
    ['/Apps/../etc/shadow', /"\.\." is not allowed/],
    ['', /absolute path/],
  ])('rejects %j', (input, message) => {
    expect(() => normalizePath(input)).toThrow(message);
  });

  test.each([
    ['/Apps//a/./b/', '/Apps/a/b'],
    ['root@web://srv/./www/', 'root@web:/srv/www'],
    ['web:/srv//www/x', 'web:/srv/www/x'],
    // Not `[user@]host:/path` as a config writes it: a local path that must be absolute.
    ['we b:/srv', /absolute path/],
  ])('%j -> %j', (input, out) => {
    if (typeof out === 'string') expect(normalizePath(input)).toBe(out);
    else expect(() => normalizePath(input)).toThrow(out);
  });
});
