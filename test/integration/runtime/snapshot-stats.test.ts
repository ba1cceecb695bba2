/**
 * The figures a run reports against the snapshot on disk: `files` is the real number of
 * entries (it used to count rsync's implied parent directories twice), linked + transferred
 * are the regular files; and the order of names, which retention and `latest` rely on,
 * survives a clock that went back.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { listSet, readMetadata, stampOf, switchLatest } from '../../../runtime/layout.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { describeTree, sharedWith } from './support/tree.ts';
import { runConfig } from './support/run-config.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('snapshot statistics and names', () => {
  let work: string;
  beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'linkdest-stats-')); });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const dest = (name: string): string => {
    mkdirSync(join(work, name));
    writeFileSync(join(work, name, '.linkdest-backup'), '');
    return join(work, name);
  };

  test('files = entries in the copy, linked + transferred = its regular files, for the first and the pre-linked snapshot', async () => {
    const src = join(work, 'src');
    for (const d of ['a/b/c', 'd', 'e/f']) mkdirSync(join(src, d), { recursive: true });
    for (const [i, d] of ['a', 'a/b', 'a/b/c', 'd', 'e/f'].entries()) writeFileSync(join(src, d, `f${i}`), `file ${i}\n`);
    symlinkSync('a/b', join(src, 'link'));
    const cfg = runConfig(work, dest('dest'), [src]);
    const check = (o: Awaited<ReturnType<typeof backup>>): ReturnType<typeof describeTree> => {
      const tree = describeTree(join(o.snapshot!, src.slice(1)));
      // + 1: the source's own directory, as rsync counts it.
      expect(o.stats!.files).toBe(tree.size + 1);
      const regular = [...tree.values()].filter((e) => e.type === 'file');
      expect(o.stats!.filesLinked + o.stats!.filesTransferred).toBe(regular.length);
      return tree;
    };
    const first = await backup(cfg, memoryLogger());
    expect(first.errors).toEqual([]);
    const tree1 = check(first);
    expect(first.stats!.filesTransferred).toBe(5);

    await sleep(1100);
    // New directories below existing ones (the implied parents rsync used to count twice),
    // a new directory at the top, a changed file.
    mkdirSync(join(src, 'a/b/c/new1/new2'), { recursive: true });
    writeFileSync(join(src, 'a/b/c/new1/new2/n1'), 'new\n');
    mkdirSync(join(src, 'e/f/new3'));
    writeFileSync(join(src, 'e/f/new3/n2'), 'new\n');
    mkdirSync(join(src, 'top-new'));
    writeFileSync(join(src, 'd/f3'), 'changed, longer\n');
    await sleep(1100);
    const log = memoryLogger();
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    expect(log.lines.some((l) => l.includes('pre-linked 4 unchanged files'))).toBe(true);
    const tree2 = check(second);
    expect(second.stats!.filesLinked).toBe(sharedWith(tree2, tree1).length);
    expect(second.stats!.filesLinked).toBe(4);
    expect(second.stats!.filesTransferred).toBe(3);
    // The metadata carries the same figures.
    expect((await readMetadata(second.snapshot!))!.stats.files).toBe(tree2.size + 1);
  });

  test('a nested source copied first counts once: files = the outer copy without the inner one\'s contents + the inner copy', async () => {
    const src = join(work, 'src-nested');
    mkdirSync(join(src, 'inner', 'deep'), { recursive: true });
    for (const f of ['o1', 'o2', 'inner/i1', 'inner/deep/i2', 'inner/deep/i3']) writeFileSync(join(src, f), `${f}\n`);
    // The inner source first: its copy is in the partial when the outer one's is counted.
    const cfg = runConfig(work, dest('dest-nested'), [join(src, 'inner'), src]);
    const expected = (snapshot: string): number => {
      const outer = describeTree(join(snapshot, src.slice(1)));
      const inner = [...outer.keys()].filter((k) => k.startsWith('inner/')).length;
      // Each source's own directory + 1; the outer one holds the inner directory, not its contents.
      return (outer.size - inner + 1) + (inner + 1);
    };
    const first = await backup(cfg, memoryLogger());
    expect(first.errors).toEqual([]);
    expect(first.stats!.files).toBe(expected(first.snapshot!));
    await sleep(1100);
    writeFileSync(join(src, 'o3'), 'new\n');
    await sleep(1100);
    const log = memoryLogger();
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    expect(log.lines.filter((l) => l.includes('pre-linked')).length).toBe(2);
    expect(second.stats!.files).toBe(expected(second.snapshot!));
  });

  test('a clock set back: the new snapshot is still named after the newest, and becomes latest and the next link source', async () => {
    const src = join(work, 'src-clock');
    mkdirSync(src);
    writeFileSync(join(src, 'x'), 'x\n');
    const d = dest('dest-clock');
    const cfg = runConfig(work, d, [src]);
    const first = await backup(cfg, memoryLogger());
    // As if it had been written an hour from now (the clock went back since).
    const future = stampOf(new Date(Date.now() + 3600_000));
    renameSync(first.snapshot!, join(d, 'set', future));
    await switchLatest(join(d, 'set'), future);
    const second = await backup(cfg, memoryLogger());
    expect(second.errors).toEqual([]);
    const name = second.snapshot!.split('/').pop()!;
    expect(name > future).toBe(true);
    expect((await listSet(join(d, 'set'))).complete).toEqual([future, name]);
    expect(statSync(join(second.snapshot!, src.slice(1), 'x')).ino).toBe(statSync(join(d, 'set', future, src.slice(1), 'x')).ino);
  });
});
