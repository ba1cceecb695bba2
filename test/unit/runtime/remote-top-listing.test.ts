import { afterEach, expect, test } from 'vitest';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topListingHolds } from '../../../runtime/engine/remote-top-listing.ts';

let work: string | undefined;
afterEach(() => { if (work) rmSync(work, { recursive: true, force: true }); work = undefined; });

/** PREV with a and b; the copy's top with a and b linked from PREV, and c written by rsync. */
function tops(): { prev: string; dest: string } {
  work = mkdtempSync(join(tmpdir(), 'linkdest-top-'));
  const prev = join(work, 'prev');
  const dest = join(work, 'dest');
  mkdirSync(prev);
  mkdirSync(dest);
  for (const n of ['a', 'b']) { writeFileSync(join(prev, n), n); linkSync(join(prev, n), join(dest, n)); }
  writeFileSync(join(dest, 'c'), 'c');
  return { prev, dest };
}

test.each<[string, string, (t: { prev: string; dest: string }) => void, boolean]>([
  ['as listed', 'La/Lb/?c', () => undefined, true],
  ['a listed entry rsync did not write (filtered, vanished) is fine', 'La/Lb/?c/?d', () => undefined, true],
  ['a name rsync added that the listing lacks', 'La/Lb', () => undefined, false],
  ['a linked name gone (rsync --delete)', 'La/Lb/?c', (t) => rmSync(join(t.dest, 'b')), false],
  ['a linked name that is another inode now', 'La/Lb/?c', (t) => { rmSync(join(t.dest, 'b')); writeFileSync(join(t.dest, 'b'), 'b'); }, false],
  ['a linked name that became a directory', 'La/Lb/?c', (t) => { rmSync(join(t.dest, 'b')); mkdirSync(join(t.dest, 'b')); }, false],
])('%s', (_name, names, change, holds) => {
  const t = tops();
  change(t);
  expect(topListingHolds(t.dest, t.prev, { dir: '.', names })).toBe(holds);
});

test('an empty top holds as an empty listing, and not once rsync wrote into it', () => {
  work = mkdtempSync(join(tmpdir(), 'linkdest-top-'));
  mkdirSync(join(work, 'd'));
  expect(topListingHolds(join(work, 'd'), work, { dir: '.', names: '' })).toBe(true);
  writeFileSync(join(work, 'd', 'x'), 'x');
  expect(topListingHolds(join(work, 'd'), work, { dir: '.', names: '' })).toBe(false);
});
