import { describe, expect, test } from 'vitest';
import { filterSafe, judgeItemized, parseItemized, sampleRules } from '../../../runtime/spot-itemized.ts';

describe('sampleRules', () => {
  test('each file and its parent directories, once, then everything else out', () => {
    expect(sampleRules(['a/b/f1', 'a/f2', 'top'])).toBe('+ /a/\n+ /a/b/\n+ /a/b/f1\n+ /a/f2\n+ /top\n- *\n');
  });
});

describe('filterSafe', () => {
  test.each([
    ['a/b c/d.txt', true], ['x/ünï', true], ['a/*.txt', false], ['q?', false], ['[x]', false],
    ['back\\slash', false], ['new\nline', false], ['tab\there', false], ['', false],
  ])('%j: %s', (rel, ok) => { expect(filterSafe(rel)).toBe(ok); });
});

// What rsync -rlt -n -c -ii prints (rsync 3.2.7, checked by hand and by the pull e2e).
const out = [
  '.d          ./',
  '.d          a/',
  '.d..t...... moved/',
  '>fc........ a/flipped',
  '>f.s....... a/shorter',
  '.f          a/same',
  '>fc.t...... a/rewritten-after-copy',
  '.f..t...... a/touched',
  'cL+++++++++ a/now-a-link -> x',
  '.f          dir with space/file name',
].join('\n');

describe('parseItemized + judgeItemized', () => {
  test('parses every line, directories without their slash, the root as ""', () => {
    const m = parseItemized(out);
    expect(m.get('')).toEqual({ update: '.', type: 'd', flags: '         ' });
    expect(m.get('a/now-a-link -> x')?.type).toBe('L');
    expect(m.get('dir with space/file name')?.update).toBe('.');
  });

  test.each([
    ['a/same', { compared: 1, skipped: 0, differ: [] }],
    ['dir with space/file name', { compared: 1, skipped: 0, differ: [] }],
    ['a/flipped', { compared: 1, skipped: 0, differ: ['a/flipped (content differs from the source, same modification time)'] }],
    ['a/shorter', { compared: 1, skipped: 0, differ: ['a/shorter (size differs from the source, same modification time)'] }],
    ['a/rewritten-after-copy', { compared: 0, skipped: 1, differ: [] }],
    ['a/touched', { compared: 0, skipped: 1, differ: [] }],
    ['a/gone', { compared: 0, skipped: 0, differ: ['a/gone (missing in the source)'] }],
    ['top-level-gone', { compared: 0, skipped: 0, differ: ['top-level-gone (missing in the source)'] }],
    ['moved/gone', { compared: 0, skipped: 1, differ: [] }],
    ['vanished-dir/f', { compared: 0, skipped: 1, differ: [] }],
  ])('%s', (rel, verdict) => {
    expect(judgeItemized([rel], parseItemized(out))).toEqual(verdict);
  });
});
