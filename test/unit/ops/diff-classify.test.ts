import { describe, expect, test } from 'vitest';
import { classifyDiff, formatDiff } from '../../../runtime/ops/diff.ts';
import type { TreeEntry } from '../../../runtime/ops/tree.ts';

const e = (type: TreeEntry['type'], ino: number, target?: string): TreeEntry => ({ type, dev: 1, ino, size: 1, mode: 0, uid: 0, gid: 0, mtimeMs: 0, ...(target ? { target } : {}) });
const tree = (o: Record<string, TreeEntry>): Map<string, TreeEntry> => new Map(Object.entries(o));

describe('classifyDiff', () => {
  test.each([
    ['same inode: unchanged', { f: e('file', 1) }, { f: e('file', 1) }, [], [], []],
    ['new inode: changed', { f: e('file', 1) }, { f: e('file', 2) }, [], [], ['f']],
    ['added and removed files', { a: e('file', 1) }, { b: e('file', 2) }, ['b'], ['a'], []],
    ['directories are new inodes each snapshot: not changed', { d: e('dir', 1) }, { d: e('dir', 9) }, [], [], []],
    ['added directory shown with a slash', {}, { d: e('dir', 3), 'd/x': e('file', 4) }, ['d/', 'd/x'], [], []],
    ['symlink target changed', { l: e('link', 1, 'a') }, { l: e('link', 2, 'b') }, [], [], ['l']],
    ['symlink same target: unchanged', { l: e('link', 1, 'a') }, { l: e('link', 2, 'a') }, [], [], []],
    ['file became a directory', { p: e('file', 1) }, { p: e('dir', 2) }, [], [], ['p/']],
  ])('%s', (_n, a, b, added, removed, changed) => {
    expect(classifyDiff(tree(a), tree(b))).toEqual({ added, removed, changed });
  });

  test('text output: one marked line per path, sorted by path, then the counts', () => {
    const d = classifyDiff(tree({ a: e('file', 1), c: e('file', 3) }), tree({ b: e('file', 2), c: e('file', 4) }));
    expect(formatDiff(d, 'A', 'B')).toBe('- a\n+ b\nM c\nA -> B: 1 added, 1 removed, 1 changed\n');
  });
});
