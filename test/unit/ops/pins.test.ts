import { describe, expect, test } from 'vitest';
import { formatPin, formatSnapshots } from '../../../runtime/ops/format.ts';
import { noteProblem } from '../../../runtime/pins.ts';

describe('noteProblem: a note is one line of printable text', () => {
  test.each<[string, string, RegExp | undefined]>([
    ['plain', 'before the upgrade to 2.0', undefined],
    ['unicode and quotes', 'vor dem Update — "behalten" \'ok\' $(x)', undefined],
    ['200 characters', 'é'.repeat(200), undefined],
    ['newline', 'a\nb', /one line of text without control characters/],
    ['carriage return', 'a\rb', /without control characters/],
    ['tab', 'a\tb', /without control characters/],
    ['escape sequence', 'a\u001b[31mred', /without control characters/],
    ['C1 control', 'a\u0085b', /without control characters/],
    ['line separator', 'a\u2028b', /without control characters/],
    ['empty', '', /expected some text/],
    ['blank', '   ', /expected some text/],
    ['201 characters', 'x'.repeat(201), /at most 200 characters, got 201/],
  ])('%s', (_t, note, want) => {
    const p = noteProblem(note);
    if (want === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(want);
  });
});

describe('pins in the text output', () => {
  test('snapshots: a PIN column, the pin note before the first warning', () => {
    const text = formatSnapshots([
      { name: '2026-11-22_03-00-00', time: '', status: 'ok', files: 10, pinned: true, pinNote: 'before the upgrade' },
      { name: '2026-11-23_03-00-00', time: '', status: 'warning', files: 11, pinned: true, pinNote: 'keep', warnings: ['rsync exited 24'] },
      { name: '2026-11-24_03-00-00', time: '', status: 'ok', files: 12 },
    ]);
    expect(text.split('\n').map((l) => l.replace(/ +/g, ' '))).toEqual([
      'SNAPSHOT RESULT PIN FILES ADDED SIZE NOTE',
      '2026-11-22_03-00-00 ok pinned 10 - - before the upgrade',
      '2026-11-23_03-00-00 warning pinned 11 - - keep; rsync exited 24',
      '2026-11-24_03-00-00 ok 12 - -',
      '',
    ]);
  });

  test.each<[string, Parameters<typeof formatPin>[0], string]>([
    ['pinned with a note', { snapshot: 'S', pinned: true, changed: true, note: 'n' }, 'pinned S (n): no retention rule deletes it until it is unpinned\n'],
    ['already pinned', { snapshot: 'S', pinned: true, changed: false }, 'S is already pinned; nothing changed\n'],
    ['unpinned', { snapshot: 'S', pinned: false, changed: true }, 'unpinned S: the retention rules apply to it again\n'],
    ['was not pinned', { snapshot: 'S', pinned: false, changed: false }, 'S was not pinned; nothing changed\n'],
  ])('pin/unpin: %s', (_t, p, want) => {
    expect(formatPin(p)).toBe(want);
  });
});
