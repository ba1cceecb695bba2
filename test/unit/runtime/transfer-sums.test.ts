import { describe, expect, test } from 'vitest';
import { hashAtSize, MAX_SUMS, parseSumLine, rsyncHasXxh128, runLeavesSums, sumsAllowed, TransferSums, unescapeRsyncName } from '../../../runtime/engine/transfer-sums.ts';

/** The manifest's question (manifest/write.ts): the hash rsync printed for `rel`, if it stands at `size`. */
const get = (t: TransferSums, rel: string | Buffer, size: bigint): string | undefined => hashAtSize(t.lookup(rel), size);

const H = '2aa800e97e41e522c5198a3b7431649f';
const H2 = '58101249c76b735bd74ce5302b009317';

describe('rsyncHasXxh128: the "Checksum list" of rsync --version', () => {
  test.each([
    ['rsync  version 3.2.7  protocol version 31\nCapabilities:\n    64-bit files\nChecksum list:\n    xxh128 xxh3 xxh64 (xxhash) md5 md4 sha1 none\nCompress list:\n    zstd lz4 zlibx zlib none\n', true],
    ['rsync  version 3.2.3  protocol version 31\nChecksum list:\n    md5 md4 none\n', false],
    ['rsync  version 3.1.3  protocol version 31\nCapabilities:\n    64-bit files, 64-bit inums\n', false],
    ['rsync  version 3.2.7  protocol version 31\nChecksum list:\n    xxh3 xxh64 (xxhash) md5\n', false],
    ['', false],
  ])('%#', (text, want) => {
    expect(rsyncHasXxh128(text)).toBe(want);
  });
});

describe('sumsAllowed: only where %C is certainly the xxh128 of the file', () => {
  test.each([
    [[], true],
    [['-z', '--bwlimit=100', '-v', '--info=progress2'], true],
    [['--checksum-choice=md5'], false],
    [['--cc', 'md5'], false],
    [['--out-format=%n'], false],
    [['-vi'], false],
    [['--itemize-changes'], false],
    [['-8'], false],
    [['--8-bit-output'], false],
    // %C is then the file list's hash, taken before the file was read for the transfer.
    [['--checksum'], false],
    [['-avc'], false],
  ] as [string[], boolean][])('%j', (args, want) => {
    expect(sumsAllowed(args)).toBe(want);
  });
});

describe('parseSumLine: what rsync printed for a file, names unescaped to their bytes (latin1)', () => {
  test.each([
    [`linkdest-sum ${H} 1,234 dir/file.txt`, { name: 'dir/file.txt', hash: H, size: 1234n }],
    [`linkdest-sum ${H} 0 empty`, { name: 'empty', hash: H, size: 0n }],
    [`linkdest-sum ${H} 12 with space and %n`, { name: 'with space and %n', hash: H, size: 12n }],
    // A newline and a byte that is not UTF-8, escaped by rsync; a name holding the escape itself.
    [`linkdest-sum ${H} 9 d2/caf\\#351\\#012x`, { name: 'd2/caf\xe9\nx', hash: H, size: 9n }],
    [`linkdest-sum ${H} 9 back\\#134#101slash`, { name: 'back\\#101slash', hash: H, size: 9n }],
    // Directories, links, deletions: no hash, blanks.
    [`linkdest-sum ${' '.repeat(32)} 4,096 dir/`, undefined],
    ['Number of files: 3 (reg: 2, dir: 1)', undefined],
  ])('%s', (line, want) => {
    expect(parseSumLine(line)).toEqual(want);
  });
  test('unescapeRsyncName leaves everything but \\#ooo alone', () => {
    expect(unescapeRsyncName('a\\#b\\#12c\\#1011')).toBe('a\\#b\\#12cA1');
  });
});

describe('runLeavesSums: a run whose printed hashes stand', () => {
  test.each([
    [0, '', true],
    [24, 'file has vanished: "/src/a"\nrsync warning: some files vanished before they could be transferred (code 24) at main.c(1338) [sender=3.2.7]\n', true],
    [0, 'WARNING: a/b failed verification -- update discarded (will try again).\n', true],
    [23, 'rsync: [receiver] rename "/d/.x.AbC" -> "x": No such file or directory (2)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [generator=3.2.7]\n', false],
    [24, 'file has vanished: "/src/a"\nrsync: [receiver] write failed on "/d/x": No space left on device (28)\n', false],
    [23, 'ERROR: a/b failed verification -- update discarded.\n', false],
    [20, '', false],
  ])('exit %i: %j', (code, stderr, want) => {
    expect(runLeavesSums(code, stderr)).toBe(want);
  });
});

describe('TransferSums', () => {
  test('a hash stands for its path at the printed size, under the copy\'s directory in the snapshot', () => {
    const t = new TransferSums();
    const run = t.sink(0, 'abs/Apps');
    expect(run.line(`linkdest-sum ${H} 5 a/x`)).toBe(true);
    expect(run.line(`linkdest-sum ${H2} 3 caf\\#351`)).toBe(true);
    expect(run.line('Number of files: 2')).toBe(false);
    run.done(0, '');
    expect(get(t, 'abs/Apps/a/x', 5n)).toBe(H);
    expect(get(t, 'abs/Apps/a/x', 6n)).toBeUndefined();
    expect(get(t, 'a/x', 5n)).toBeUndefined();
    expect(get(t, Buffer.concat([Buffer.from('abs/Apps/caf'), Buffer.from([0xe9])]), 3n)).toBe(H2);
  });

  test('a run that ends in errors keeps none of its hashes; another run\'s stand', () => {
    const t = new TransferSums();
    const a = t.sink(0, '');
    a.line(`linkdest-sum ${H} 5 a`);
    a.done(0, '');
    const b = t.sink(0, '');
    b.line(`linkdest-sum ${H} 5 b`);
    b.done(23, 'rsync: [receiver] rename "/d/.b.XyZ" -> "b": Permission denied (13)\n');
    expect(get(t, 'a', 5n)).toBe(H);
    expect(get(t, 'b', 5n)).toBeUndefined();
  });

  test('a file whose transfer failed its check is read back, even when the second transfer printed a hash', () => {
    const t = new TransferSums();
    const a = t.sink(0, '');
    a.line(`linkdest-sum ${H} 5 twice`);
    a.line(`linkdest-sum ${H2} 5 twice`);
    a.line(`linkdest-sum ${H} 5 once`);
    a.done(0, 'WARNING: twice failed verification -- update discarded (will try again).\n');
    expect(get(t, 'twice', 5n)).toBeUndefined();
    expect(get(t, 'once', 5n)).toBe(H);
  });

  test('a source copied again forgets its hashes, not the other sources\'', () => {
    const t = new TransferSums();
    t.sink(0, 'one').line(`linkdest-sum ${H} 5 a`);
    t.sink(1, 'two').line(`linkdest-sum ${H} 5 a`);
    t.forget(0);
    expect(get(t, 'one/a', 5n)).toBeUndefined();
    expect(get(t, 'two/a', 5n)).toBe(H);
  });

  test(`at most ${MAX_SUMS} paths: past that a file is read back, a known path still updates`, () => {
    const t = new TransferSums();
    const run = t.sink(0, '');
    for (let i = 0; i < MAX_SUMS; i++) run.line(`linkdest-sum ${H} 1 f${i}`);
    run.line(`linkdest-sum ${H} 1 one-more`);
    run.line(`linkdest-sum ${H2} 1 f0`);
    expect(t.size).toBe(MAX_SUMS);
    expect(t.dropped).toBe(1);
    expect(get(t, 'one-more', 1n)).toBeUndefined();
    expect(get(t, 'f0', 1n)).toBe(H2);
  });

  test('a remote run\'s hashes stand only after rsync said both ends chose xxh128', () => {
    const t = new TransferSums();
    const chose = (algorithm: string | undefined, name: string): void => {
      const run = t.sink(0, '', true);
      if (algorithm) expect(run.line(`Client negotiated checksum: ${algorithm}`)).toBe(true);
      expect(run.line('Client negotiated compress: zstd (level 3)')).toBe(true);
      run.line(`linkdest-sum ${H} 5 ${name}`);
      run.done(0, '');
    };
    chose('xxh128', 'new');
    chose('md5', 'md5');
    chose('xxh3', 'xxh3');
    // A source host's rsync older than 3.2 negotiates nothing and prints no such line.
    chose(undefined, 'old');
    expect(get(t, 'new', 5n)).toBe(H);
    for (const n of ['md5', 'xxh3', 'old']) expect(get(t, n, 5n), n).toBeUndefined();
    // A local run forces xxh128 (--checksum-choice): no such line needed, and none is ours.
    const local = t.sink(1, 'local');
    expect(local.line('Client negotiated checksum: md5')).toBe(false);
    local.line(`linkdest-sum ${H2} 5 a`);
    local.done(0, '');
    expect(get(t, 'local/a', 5n)).toBe(H2);
  });
});
