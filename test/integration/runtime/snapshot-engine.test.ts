/**
 * Two real snapshots with real rsync, compared against bare `rsync --link-dest` (the
 * reference the engine must equal) and against the older snapshot (which must never change).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuntimeConfig, type RuntimeConfig } from '../../../runtime/config.ts';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { isRoot } from '../../support/needs.ts';
import { describeTree, sharedWith, withoutInodes } from './support/tree.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('snapshot engine against bare rsync --link-dest', () => {
  let work: string;
  let cfg: RuntimeConfig;
  const log = createLogger({ stdout: false });
  const src = (): string => join(work, 'src');

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-engine-'));
    mkdirSync(join(work, 'dest'));
    for (const d of ['a/deep/er', 'b', 'cache']) mkdirSync(join(src(), d), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src(), i % 2 ? 'a' : 'b', `f${i}.txt`), `file ${i}\n`.repeat(i + 1));
    writeFileSync(join(src(), 'a/deep/er/keep.bin'), Buffer.alloc(70_000, 7));
    writeFileSync(join(src(), 'cache/junk.tmp'), 'excluded');
    writeFileSync(join(src(), 'b/x.tmp'), 'excluded');
    symlinkSync('../a/f1.txt', join(src(), 'b/link'));
    linkSync(join(src(), 'a/f1.txt'), join(src(), 'b/hard-to-f1'));
    cfg = parseRuntimeConfig({
      name: 'set', destination: { path: join(work, 'dest') }, sources: [{ path: src() }],
      exclude: ['cache/', '*.tmp'], retention: { keep_min: 5, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
      state_dir: join(work, 'state'), rsync: { acls: true, xattrs: true },
    });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('second snapshot equals bare rsync, shares unchanged inodes, leaves the first untouched', async () => {
    const first = await backup(cfg, log);
    expect(first.errors).toEqual([]);
    const snap1 = first.snapshot!;
    const set = join(work, 'dest/set');
    expect(readlinkSync(join(set, 'latest'))).toBe(snap1.split('/').pop());
    const tree1 = describeTree(snap1);
    expect([...tree1.keys()].some((k) => k.includes('cache') || k.endsWith('.tmp'))).toBe(false);

    await sleep(1100);
    const s = src();
    writeFileSync(join(s, 'a/f3.txt'), 'changed content\n');
    writeFileSync(join(s, 'a/new.txt'), 'added\n');
    unlinkSync(join(s, 'b/f0.txt'));
    mkdirSync(join(s, 'newdir/cache'), { recursive: true });
    writeFileSync(join(s, 'newdir/n.txt'), 'in a new directory\n');
    writeFileSync(join(s, 'newdir/cache/c'), 'excluded below a new directory\n');
    chmodSync(join(s, 'a/f5.txt'), 0o600);
    if (isRoot) chownSync(join(s, 'a/f7.txt'), 4242, 4343);
    utimesSync(join(s, 'a/f9.txt'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));

    // rsync 3.5 leaves a directory's mtime unset when the source directory changed within
    // the last moment before the copy (bare rsync too); wait so both copies are comparable.
    await sleep(1100);
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    const snap2 = second.snapshot!;
    expect(snap2).not.toBe(snap1);
    expect(readlinkSync(join(set, 'latest'))).toBe(snap2.split('/').pop());

    const ref = join(work, 'reference');
    const srcIn1 = join(snap1, s.slice(1));
    execFileSync('rsync', ['-aHAX', '--numeric-ids', '--delete', '--exclude=cache/', '--exclude=*.tmp', `--link-dest=${srcIn1}`, `${s}/`, `${ref}/`]);
    const mine = describeTree(join(snap2, s.slice(1)));
    const theirs = describeTree(ref);
    expect(withoutInodes(mine)).toEqual(withoutInodes(theirs));
    const old = describeTree(srcIn1);
    expect(sharedWith(mine, old)).toEqual(sharedWith(theirs, old));
    expect(sharedWith(mine, old)).toContain('a/deep/er/keep.bin');
    for (const changed of ['a/f3.txt', 'a/f5.txt', 'a/f9.txt', ...(isRoot ? ['a/f7.txt'] : [])]) expect(sharedWith(mine, old)).not.toContain(changed);
    expect(mine.has('b/f0.txt')).toBe(false);
    expect(mine.has('newdir/cache')).toBe(false);
    expect(mine.get('b/hard-to-f1')!.ino).toBe(mine.get('a/f1.txt')!.ino);

    // The chmod/chown/touch-only changes reached neither the first snapshot's files nor metadata.
    expect(withoutInodes(describeTree(snap1))).toEqual(withoutInodes(tree1));
    expect(second.stats!.filesLinked).toBeGreaterThan(30);
    expect(second.snapshotCount).toBe(2);
  });

  test('a partial is never the link source and is resumed, never counted', async () => {
    const set = join(work, 'dest/set');
    const before = describeTree(set, (r) => r.includes('/'));
    mkdirSync(join(set, '2000-01-01_00-00-00.partial/junk'), { recursive: true });
    const r = await backup(cfg, log);
    expect(r.errors).toEqual([]);
    expect(r.snapshotCount).toBe(3);
    const names = [...describeTree(set, (p) => p.includes('/')).keys()];
    expect(names.filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(names.length).toBe(before.size + 1);
    // Stale content of the resumed partial is gone: the snapshot is an exact mirror.
    expect(describeTree(r.snapshot!).has('junk')).toBe(false);
  });
});
