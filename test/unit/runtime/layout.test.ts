import { describe, expect, test } from 'vitest';
import { parseStamp, sourceSubdir, stampOf } from '../../../runtime/layout.ts';
import { shellQuoteArgv } from '../../../runtime/engine/shell-quote.ts';

describe('snapshot names', () => {
  test.each([
    ['2026-11-26_03-00-00', true],
    ['2026-02-30_03-00-00', false],
    ['2026-11-26_03-00-00.partial', false],
    ['latest', false],
    ['.deleting-2026-11-26_03-00-00', false],
  ])('%s is a snapshot name: %s', (name, ok) => {
    expect(Boolean(parseStamp(name))).toBe(ok);
  });

  test('stampOf and parseStamp round-trip in local time', () => {
    const d = new Date(2026, 10, 26, 3, 4, 5);
    expect(stampOf(d)).toBe('2026-11-26_03-04-05');
    expect(parseStamp('2026-11-26_03-04-05')?.getTime()).toBe(d.getTime());
  });
});

describe('where a source lands in a snapshot', () => {
  test.each([
    ['/Apps', 'Apps'],
    ['/srv/data/', 'srv/data'],
    ['/', ''],
    ['nas:/volume1/share', 'nas/volume1/share'],
    ['backup@nas.lan:/etc', 'nas.lan/etc'],
  ])('%s -> %s', (src, want) => {
    expect(sourceSubdir(src)).toBe(want);
  });

  test('".." is refused', () => {
    expect(() => sourceSubdir('/a/../etc')).toThrow(/not allowed/);
  });
});

describe('rsync -e quoting', () => {
  test.each([
    [['ssh', '-o', 'BatchMode=yes'], 'ssh -o BatchMode=yes'],
    [['ssh', '-i', '/root/my key'], "ssh -i '/root/my key'"],
    // rsync's own splitter: a doubled quote inside quotes is one literal quote (no backslashes).
    [['ssh', "-oProxyCommand=nc 'x' %h"], `ssh '-oProxyCommand=nc ''x'' %h'`],
    [['ssh', '-i', "/keys/it's \"mine\""], `ssh -i '/keys/it''s "mine"'`],
    [['ssh', ''], "ssh ''"],
  ])('%j', (argv, want) => {
    expect(shellQuoteArgv(argv)).toBe(want);
  });
});
