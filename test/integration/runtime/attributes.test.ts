/**
 * What a snapshot holds besides file contents, with real filesystems: ACLs and user xattrs
 * (source on tmpfs) preserved, and dropped with a warning when the destination (ramfs)
 * cannot store them; one_file_system with a tmpfs mounted inside the source.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { runConfig } from './support/run-config.ts';

const sh = (cmd: string, ...args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
const xattr = (p: string): string => sh('getfattr', '--absolute-names', '-n', 'user.origin', '--only-values', p);
const acl = (p: string): string => sh('getfacl', '--absolute-names', '--omit-header', '--numeric', p);
const usable = isRoot && hasCommand('setfattr') && hasCommand('setfacl');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!usable)(`ACLs, xattrs and file-system boundaries${rootNote()}`, () => {
  let work: string;
  const mounts: string[] = [];
  const mount = (fstype: string, at: string): void => {
    mkdirSync(at, { recursive: true });
    sh('mount', '-t', fstype, `linkdest-test-${fstype}`, at);
    mounts.push(at);
  };
  beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'linkdest-attrs-')); });
  afterAll(() => {
    for (const m of mounts.reverse()) execFileSync('umount', [m], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  });

  /** A tmpfs source holding one file with a user xattr and an ACL entry for uid 65534. */
  function attributedSource(name: string): string {
    const src = join(work, name);
    mount('tmpfs', src);
    writeFileSync(join(src, 'doc.txt'), 'with attributes\n');
    sh('setfattr', '-n', 'user.origin', '-v', 'scanner-3', join(src, 'doc.txt'));
    sh('setfacl', '-m', 'u:65534:r', join(src, 'doc.txt'));
    return src;
  }
  const destination = (name: string): string => {
    const d = join(work, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, '.linkdest-backup'), '');
    return d;
  };

  test('ACL and xattr reach the snapshot; an xattr-only change makes a new copy and leaves the old one alone', async () => {
    const src = attributedSource('src-attrs');
    const cfg = runConfig(work, destination('dest-attrs'), [src]);
    const first = await backup(cfg, memoryLogger());
    expect([first.errors, first.warnings]).toEqual([[], []]);
    const copy1 = join(first.snapshot!, src.slice(1), 'doc.txt');
    expect(xattr(copy1)).toBe('scanner-3');
    expect(acl(copy1)).toContain('user:65534:r--');

    await sleep(1100);
    sh('setfattr', '-n', 'user.origin', '-v', 'scanner-4', join(src, 'doc.txt'));
    const second = await backup(cfg, memoryLogger());
    expect(second.errors).toEqual([]);
    const copy2 = join(second.snapshot!, src.slice(1), 'doc.txt');
    expect(xattr(copy2)).toBe('scanner-4');
    expect(xattr(copy1)).toBe('scanner-3');
    expect(acl(copy2)).toContain('user:65534:r--');
  });

  test('a destination that cannot store them (ramfs): copied without, one warning, status warning', async () => {
    const src = attributedSource('src-ramfs');
    const dest = join(work, 'dest-ramfs');
    mount('ramfs', dest);
    writeFileSync(join(dest, '.linkdest-backup'), '');
    const cfg = runConfig(work, dest, [src]);
    const o = await backup(cfg, memoryLogger());
    expect(o.errors).toEqual([]);
    expect(o.warnings).toEqual([`${src}: the destination cannot store ACLs or extended attributes: copying without them (rsync.acls/xattrs dropped for this run)`]);
    const copy = join(o.snapshot!, src.slice(1), 'doc.txt');
    expect(sh('cat', copy)).toBe('with attributes\n');
    expect(() => xattr(copy)).toThrow();
    expect(readdirSync(join(dest, 'set')).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  test.each([[true, false], [false, true]])('one_file_system %s: the tmpfs mounted inside the source copied: %s', async (oneFs, copied) => {
    const src = join(work, `src-fs-${oneFs}`);
    mkdirSync(src);
    writeFileSync(join(src, 'top.txt'), 'on the source filesystem\n');
    mount('tmpfs', join(src, 'mnt'));
    writeFileSync(join(src, 'mnt/other-fs.txt'), 'on a filesystem mounted below\n');
    const cfg = runConfig(work, destination(`dest-fs-${oneFs}`), [{ path: src, one_file_system: oneFs }]);
    for (let run = 1; run <= 2; run++) {
      // Run 2 takes the pre-link path, which must draw the same boundary.
      const o = await backup(cfg, memoryLogger());
      expect(o.errors).toEqual([]);
      const copy = join(o.snapshot!, src.slice(1));
      expect(readdirSync(copy).sort()).toEqual(['mnt', 'top.txt']);
      expect(readdirSync(join(copy, 'mnt'))).toEqual(copied ? ['other-fs.txt'] : []);
    }
  });
});
