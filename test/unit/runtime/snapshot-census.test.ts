/**
 * The census the snapshot checks rely on (emptied-source guard, link-ratio alarm, spot
 * check), tallied on the manifest's walk of the whole snapshot: each source gets exactly
 * what `find` sees in its copy, a nested source's files count for it and not for the outer
 * one (whose entries still include the nested directory), hard-linked files are not fresh,
 * and the snapshot's own files at the top count for nobody. Real directories, `find` as
 * the independent count.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { CensusTally, censusOf } from '../../../runtime/snapshot-census.ts';
import { walkFiles } from '../../../runtime/manifest/walk.ts';

const root = mkdtempSync(join(tmpdir(), 'linkdest-census-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const outer = join(root, 'srv', 'data');
mkdirSync(join(outer, 'a', 'b'), { recursive: true });
mkdirSync(join(outer, 'inner', 'deep'), { recursive: true });
writeFileSync(join(root, 'metadata.json'), '{}');
writeFileSync(join(outer, 'top.txt'), 'x'.repeat(10));
writeFileSync(join(outer, 'a', 'one'), 'y'.repeat(100));
writeFileSync(join(outer, 'a', 'b', 'two'), 'z');
linkSync(join(outer, 'a', 'b', 'two'), join(outer, 'a', 'linked'));
symlinkSync('top.txt', join(outer, 'a', 'sym'));
writeFileSync(join(outer, 'inner', 'i1'), '1');
writeFileSync(join(outer, 'inner', 'deep', 'i2'), '22');
const find = (...args: string[]): number => execFileSync('find', args, { encoding: 'utf8' }).split('\n').filter(Boolean).length;

test('one walk of the snapshot gives each source, nested ones apart, what find counts in its copy', () => {
  const tally = new CensusTally([{ sub: 'srv/data', samplePct: 100 }, { sub: 'srv/data/inner', samplePct: 0 }]);
  const walk = walkFiles(root, ['metadata.json'], tally);
  while (!walk.next().done) { /* the tally sees every file */ }
  const o = tally.census('srv/data')!;
  const i = tally.census('srv/data/inner')!;
  expect(o.entries).toBe(find(outer, '-path', join(outer, 'inner', '*'), '-prune', '-o', '-print'));
  expect(o.regular).toBe(4);
  // top.txt and a/one; a/b/two and a/linked share an inode.
  expect([o.fresh, o.freshBytes]).toEqual([2, 110]);
  expect(o.sample.map(String).sort()).toEqual(['a/b/two', 'a/linked', 'a/one', 'top.txt']);
  expect(i.entries).toBe(find(join(outer, 'inner')));
  expect([i.regular, i.fresh, i.sample.length]).toEqual([2, 2, 0]);
  // The same figures as the census of the copy alone, by a walk of its own.
  expect(censusOf(outer, ['inner'], 0)).toEqual({ ...o, sample: [] });
});
