/**
 * A first snapshot copied by concurrent rsync passes (runtime/engine/split-passes.ts) is
 * bare rsync's copy: the same entries, attributes and directory times (the top directory and
 * a directory split among the passes included), the same hard-link groups when a group spans
 * two top-level directories, the same excludes, and the same figures in the run's stats.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { describeTree, withoutInodes, type Entry } from './support/tree.ts';
import { runConfig } from './support/run-config.ts';
import { describe as describeBytes } from './support/engine-fuzz.ts';

const OLD = new Date('2020-01-02T03:04:05Z');
const groups = (t: Map<string, Entry>): string[][] => {
  const by = new Map<number, string[]>();
  for (const [k, e] of t) if (e.type === 'file') by.set(e.ino, [...(by.get(e.ino) ?? []), k]);
  return [...by.values()].filter((g) => g.length > 1).map((g) => g.sort()).sort();
};

describe('a first snapshot in concurrent rsync passes', () => {
  let work: string;
  beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'linkdest-split-')); });
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts.reverse()) execFileSync('umount', [m], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  });

  /** A source whose weight is mostly one directory (split further when no filter forbids it). */
  const source = (name: string): string => {
    const src = join(work, name);
    for (const d of ['home/u1/docs', 'home/u2', 'home/u3', 'b', 'c', 'ro', 'cache']) mkdirSync(join(src, d), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src, `home/u${1 + (i % 3)}`, `f${i}`), Buffer.alloc(20_000 + i, i));
    writeFileSync(join(src, 'home/u1/docs/x.tmp'), 'tmp\n');
    writeFileSync(join(src, 'b/h1'), 'linked\n');
    linkSync(join(src, 'b/h1'), join(src, 'c/h2'));
    writeFileSync(join(src, 'c/one'), '1\n');
    writeFileSync(join(src, 'cache/big'), Buffer.alloc(50_000));
    writeFileSync(join(src, 'top.tmp'), 'top\n');
    writeFileSync(join(src, 'ro/r'), 'r\n');
    symlinkSync('home/u1', join(src, 'link'));
    chmodSync(join(src, 'ro'), 0o555);
    chmodSync(join(src, 'home'), 0o750);
    for (const d of ['home/u1/docs', 'home/u1', 'home', 'b', 'c', 'ro', 'cache', '.']) utimesSync(join(src, d), OLD, OLD);
    return src;
  };

  const dest = (name: string): string => {
    mkdirSync(join(work, name));
    writeFileSync(join(work, name, '.linkdest-backup'), '');
    return join(work, name);
  };

  test.each([
    ['no excludes: the heavy directory is split among the passes', []],
    ['excludes: whole top-level entries only, the excluded ones left out as bare rsync leaves them', ['*.tmp', 'cache/']],
  ])('%s', async (name, excludes) => {
    const src = source(`src-${excludes.length}`);
    const cfg = runConfig(work, dest(`dest-${excludes.length}`), [src], { exclude: excludes });
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    expect(log.text()).toMatch(/first copy in [2-4] concurrent rsync passes/);
    const ref = join(work, `ref-${excludes.length}`);
    const bare = spawnSync('rsync', ['-aH', '--numeric-ids', '--delete', '--stats', '--modify-window=-1', ...excludes.map((e) => `--exclude=${e}`), `${src}/`, `${ref}/`], { encoding: 'utf8' });
    expect(bare.status).toBe(0);
    const mine = describeTree(join(o.snapshot!, src.slice(1)));
    const theirs = describeTree(ref);
    expect(withoutInodes(mine)).toEqual(withoutInodes(theirs));
    expect(groups(mine)).toEqual([['b/h1', 'c/h2']]);
    expect(groups(mine)).toEqual(groups(theirs));
    // The copy's own directory too (its mode and time, set after the passes filled it).
    const itemized = spawnSync('rsync', ['-aHnci', '--delete', '--numeric-ids', '--modify-window=-1', `${ref}/`, `${join(o.snapshot!, src.slice(1))}/`], { encoding: 'utf8' });
    expect(itemized.stdout.trim()).toBe('');
    // rsync's own figures, summed over the passes, are bare rsync's.
    const num = (re: RegExp): number => Number(re.exec(bare.stdout)![1]!.replace(/,/g, ''));
    expect(o.stats!.files).toBe(num(/^Number of files: ([\d,]+)/m));
    expect(o.stats!.filesTransferred).toBe(num(/^Number of regular files transferred: ([\d,]+)/m));
    expect(o.stats!.bytesTransferred).toBe(num(/^Total transferred file size: ([\d,]+)/m));
    if (excludes.length === 0) expect(log.text()).toMatch(/concurrent rsync passes \((?!6 )\d+ subtrees\)/);
  });

  test('one_file_system: a filesystem mounted at the top and below a split directory is copied as its directory only, as rsync -x does', async () => {
    const src = join(work, 'src-x');
    for (const d of ['big/a', 'big/b', 'big/mnt', 'mnt']) mkdirSync(join(src, d), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(src, i % 2 ? 'big/a' : 'big/b', `f${i}`), Buffer.alloc(30_000, i));
    writeFileSync(join(src, 'top'), 'top\n');
    for (const m of ['big/mnt', 'mnt']) {
      execFileSync('mount', ['-t', 'tmpfs', 'linkdest-test-split', join(src, m)]);
      mounts.push(join(src, m));
      writeFileSync(join(src, m, 'other-fs'), 'not copied\n');
      utimesSync(join(src, m), OLD, OLD);
    }
    utimesSync(join(src, 'big'), OLD, OLD);
    const cfg = runConfig(work, dest('dest-x'), [{ path: src, one_file_system: true }]);
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    expect(log.text()).toMatch(/first copy in [2-4] concurrent rsync passes/);
    const ref = join(work, 'ref-x');
    expect(spawnSync('rsync', ['-aHx', '--numeric-ids', '--delete', '--modify-window=-1', `${src}/`, `${ref}/`]).status).toBe(0);
    const mine = describeTree(join(o.snapshot!, src.slice(1)));
    expect(mine.has('big/mnt/other-fs') || mine.has('mnt/other-fs')).toBe(false);
    expect(withoutInodes(mine)).toEqual(withoutInodes(describeTree(ref)));
  });

  test('names that are not UTF-8: at the top, and below with a hard link to another top-level directory', async () => {
    const src = Buffer.from(join(work, 'src-bytes'));
    const at = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.flatMap((p, i) => [...(i > 0 ? [Buffer.from('/')] : []), Buffer.from(p)]));
    const odd = Buffer.from([0x6f, 0xff, 0x64]);
    for (const d of [at(src, 'deep', odd), at(src, 'other'), at(src, odd), at(src, 'plain')]) mkdirSync(d, { recursive: true });
    writeFileSync(at(src, 'deep', odd, 'f'), 'linked from other/\n');
    linkSync(at(src, 'deep', odd, 'f'), at(src, 'other', 'g'));
    writeFileSync(at(src, odd, 'h'), 'under an odd name\n');
    for (let i = 0; i < 6; i++) writeFileSync(at(src, 'plain', `p${i}`), Buffer.alloc(10_000, i));
    const cfg = runConfig(work, dest('dest-bytes'), [src.toString()]);
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    expect(log.text()).toMatch(/first copy in [2-4] concurrent rsync passes/);
    const ref = Buffer.from(join(work, 'ref-bytes'));
    expect(spawnSync('rsync', ['-aH', '--numeric-ids', '--delete', '--modify-window=-1', Buffer.concat([src, Buffer.from('/')]).toString('latin1'), `${ref.toString()}/`], { encoding: 'latin1' }).status).toBe(0);
    const copy = Buffer.concat([Buffer.from(o.snapshot!), src]).toString();
    const mine = describeBytes(copy);
    const theirs = describeBytes(ref.toString());
    const strip = (t: typeof mine): string => JSON.stringify([...t].map(([k, { ino: _i, ...e }]) => [k, e]));
    expect(strip(mine)).toBe(strip(theirs));
    const inode = (t: typeof mine, k: string): number => t.get(k)!.ino;
    expect(inode(mine, `deep/${odd.toString('latin1')}/f`)).toBe(inode(mine, 'other/g'));
  });
});
