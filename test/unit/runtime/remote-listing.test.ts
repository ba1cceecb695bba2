/**
 * The remote listing (runtime/engine/remote-listing.ts): the command sent, how a record reads
 * back (against GNU find's real output for the same files), and the clock bound of the ctime test.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { LISTING_FORMAT, ListingReader, listingCommand, parseListing, remoteStartNs, splitRemoteSpec, type ListedEntry } from '../../../runtime/engine/remote-listing.ts';

describe('host and path as rsync splits them', () => {
  test.each([
    ['root@marte:/Apps', { hostArgs: ['-l', 'root', 'marte'], path: '/Apps' }],
    ['marte:/Apps/', { hostArgs: ['marte'], path: '/Apps' }],
    ['[::1]:/srv', { hostArgs: ['::1'], path: '/srv' }],
    ['u@h:/', { hostArgs: ['-l', 'u', 'h'], path: '/' }],
    ['-oProxyCommand=x:/a', undefined],
    ['/local', undefined],
    ['@h:/a', undefined],
  ])('%s', (spec, split) => { expect(splitRemoteSpec(spec)).toEqual(split); });
});

describe('the command line: fixed words, a path no shell expands', () => {
  test.each([
    ['/Apps', false, { command: `date +%s && find /Apps -printf ${LISTING_FORMAT} -print0` }],
    ['/srv/a-b_c.d', true, { command: `date +%s && find /srv/a-b_c.d -xdev -printf ${LISTING_FORMAT} -print0` }],
    ['/a b', false, { reason: 'its path holds characters other than letters, digits and _ . , : / = + @ % -' }],
    ['/a$(id)', false, { reason: 'its path holds characters other than letters, digits and _ . , : / = + @ % -' }],
    ['/a*', false, { reason: 'its path holds characters other than letters, digits and _ . , : / = + @ % -' }],
    ['relative', false, { reason: 'its path holds characters other than letters, digits and _ . , : / = + @ % -' }],
  ])('%s (one_file_system %s)', (path, xdev, out) => { expect(listingCommand(path, xdev)).toEqual(out); });
});

describe('records read back as lstat sees the files', () => {
  test('GNU find\'s own output for a file, a directory, a symlink, a hard link and a name with a newline and bytes that are not UTF-8', () => {
    const dir = mkdtempSync(join(tmpdir(), 'remote-listing-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub/a'), 'abc');
      utimesSync(join(dir, 'sub/a'), 1_700_000_000.25, 1_700_000_000.25);
      symlinkSync('a', join(dir, 'sub/l'));
      linkSync(join(dir, 'sub/a'), join(dir, 'twin'));
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/new\nline`), Buffer.from([0xff])]), '');
      const out = execFileSync('find', [dir, '-printf', LISTING_FORMAT, '-print0']);
      const entries = parseListing(out, dir);
      const byName = new Map(entries.map((e) => [e.rel.toString('latin1'), e]));
      expect([...byName.keys()].sort()).toEqual(['', 'new\nline\xff', 'sub', 'sub/a', 'sub/l', 'twin']);
      for (const [rel, e] of byName) {
        const s = lstatSync(rel ? Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(rel, 'latin1')]) : dir, { bigint: true });
        expect({ mode: e.mode, uid: e.uid, gid: e.gid, mtimeNs: e.mtimeNs, ctimeNs: e.ctimeNs, nlink: e.nlink }).toEqual({ mode: s.mode, uid: s.uid, gid: s.gid, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, nlink: s.nlink });
        if (e.type === 'f') expect(e.size).toBe(s.size);
      }
      expect(byName.get('sub/a')!.mtimeNs).toBe(1_700_000_000_250_000_000n);
      expect(byName.get('twin')!.nlink).toBe(2n);
      expect(byName.get('sub/l')!.type).toBe('l');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a cut last record is dropped (what is not listed goes to rsync); a malformed one is an error', () => {
    const rec = (rest: string): string => `f/644/0/0/3/1700000000.2500000000/1700000001.0000000000/1/${rest}\0`;
    expect(parseListing(Buffer.from(`d/755/0/0/4096/1.0000000000/1.0000000000/2//a\0${rec('/a/x')}f/644/0/0`), '/a').map((e) => e.rel.toString())).toEqual(['', 'x']);
    expect(() => parseListing(Buffer.from('f/644/0/0/3/1700000000.25/1.0000000000/1//a/x\0'), '/a')).toThrow('is not');
    expect(() => parseListing(Buffer.from(rec('/b/x')), '/a')).toThrow('outside /a');
    expect(() => parseListing(Buffer.from(rec('/ab')), '/a')).toThrow('outside /a');
    expect(parseListing(Buffer.from(rec('/x')), '/').map((e) => e.rel.toString())).toEqual(['x']);
    // What find never prints, and a hostile source host might: names out of the tree.
    for (const bad of ['/a/../etc/passwd', '/a/x/..', '/a/./x', '/a/x//y', '/a//x']) {
      expect(() => parseListing(Buffer.from(rec(bad)), '/a')).toThrow('empty, . or .. path component');
    }
  });
});

describe('a listing read as it arrives, in chunks cut anywhere (ListingReader)', () => {
  test('the same records as the whole listing read at once, none held back but a cut last one', () => {
    const rec = (rest: string, size: number): string => `f/644/0/0/${size}/1700000000.2500000000/1700000001.0000000000/1/${rest}\0`;
    const whole = Buffer.concat([
      Buffer.from(`d/755/0/0/4096/1.0000000000/1.0000000000/2//a\0${rec('/a/x', 3)}${rec('/a/new\nline', 7)}`),
      Buffer.from('f/644/0/0/1/1.0000000000/1.0000000000/1//a/'), Buffer.from([0xff, 0xfe, 0]), Buffer.from(rec('/a/sub/y', 12)),
    ]);
    const expected = parseListing(whole, '/a');
    expect(expected.map((e) => e.rel.toString('latin1'))).toEqual(['', 'x', 'new\nline', '\xff\xfe', 'sub/y']);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: whole.length }), { maxLength: 12 }), (cuts) => {
      const got: ListedEntry[] = [];
      const reader = new ListingReader('/a', (e) => got.push(e));
      const at = [0, ...cuts.sort((x, y) => x - y), whole.length];
      for (let k = 1; k < at.length; k++) {
        const chunk = Buffer.from(whole.subarray(at[k - 1]!, at[k]!));
        reader.push(chunk);
        // A record's path is its own copy, not a view of a chunk the stream may reuse.
        chunk.fill(0x41);
      }
      expect(got).toEqual(expected);
    }));
    const cut: ListedEntry[] = [];
    new ListingReader('/a', (e) => cut.push(e)).push(whole.subarray(0, whole.length - 3));
    expect(cut.map((e) => e.rel.toString('latin1'))).toEqual(['', 'x', 'new\nline', '\xff\xfe']);
  });
});

describe('the previous start on the source host\'s clock, never later than it was', () => {
  test.each([
    // prev started at local 1000 s; the source said 2000 s when this host was at 1999.5-2000 s: its clock is ahead by 0..1 s.
    ['same clock', 1_000_000, 2000, 2_000_000, 1_000_000_000_000n],
    ['source 1 hour ahead', 1_000_000, 5600, 2_000_000, 4_600_000_000_000n],
    ['source 1 hour behind', 1_000_000, 0, 3_600_000, -2_600_000_000_000n],
    ['a slow answer makes the bound earlier', 1_000_000, 2000, 2_005_000, 995_000_000_000n],
  ])('%s', (_n, prevMs, remoteSec, doneMs, ns) => { expect(remoteStartNs(prevMs, remoteSec, doneMs)).toBe(ns); });
});
