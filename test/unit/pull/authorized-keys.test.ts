/**
 * The managed lines of authorized_keys: only lines ending in this backup host's marker are
 * replaced or removed; every other byte of the file is kept.
 */
import { expect, test } from 'vitest';
import { managedLines, pullLine, pullMarker, withManagedLines } from '../../../provision/pull/authorized-keys.ts';

const M = pullMarker('h1');
const NEW = `restrict,command="/x /usr/bin/rsync /Apps" ssh-ed25519 BBBB ${M}`;
const OLD = `restrict,command="/x /usr/bin/rsync /srv" ssh-ed25519 AAAA ${M}`;
const HAND = 'ssh-ed25519 CCCC admin@laptop';
const OTHER = `restrict,command="/x /usr/bin/rsync /srv" ssh-ed25519 DDDD ${pullMarker('h9')}`;

test.each([
  ['empty file: the line is added', '', [NEW], `${NEW}\n`],
  ['hand-written lines kept, ours appended', `${HAND}\n`, [NEW], `${HAND}\n${NEW}\n`],
  ['a last line without newline: ours go first, so no byte of it changes', HAND, [NEW], `${NEW}\n${HAND}`],
  ['...and removing ours gives back the file exactly', `${NEW}\n${HAND}`, [], HAND],
  ['ours replaced in place, CRLF and comments around it kept', `# keys\r\n${HAND}\r\n${OLD}\n\n${OTHER}\n`, [NEW], `# keys\r\n${HAND}\r\n${NEW}\n\n${OTHER}\n`],
  ['two of ours (a rotation) become one', `${OLD}\n${HAND}\n${NEW}\n`, [NEW], `${NEW}\n${HAND}\n`],
  ['removed: only ours go, byte for byte the rest', `${HAND}\n${OLD}\n  # ${M}\n${OTHER}`, [], `${HAND}\n  # ${M}\n${OTHER}`],
  ['nothing of ours and nothing wanted: unchanged', `${HAND}`, [], HAND],
  ['another backup host\'s line is not ours', `${OTHER}\n`, [NEW], `${OTHER}\n${NEW}\n`],
  ['a marker word that is not last does not count', `ssh-ed25519 EEEE ${M} extra\n`, [], `ssh-ed25519 EEEE ${M} extra\n`],
])('%s', (_name, before, lines, after) => {
  expect(withManagedLines(before, M, lines)).toBe(after);
});

test('adding then removing our line gives back every file byte for byte', () => {
  for (const text of ['', HAND, `${HAND}\n`, `${HAND}\r\n# c`, '\n\n', `# only a comment`]) {
    expect(withManagedLines(withManagedLines(text, M, [NEW]), M, [])).toBe(text);
  }
});

test('managedLines lists ours without line endings', () => {
  expect(managedLines(`${HAND}\n${OLD}\r\n${OTHER}\n`, M)).toEqual([OLD]);
});

test('pullLine: restrict, the forced command, the key without its comment, the marker', () => {
  expect(pullLine({ command: '/x /usr/bin/rsync /Apps', publicKey: 'ssh-ed25519 BBBB root@h1\n', marker: M })).toBe(NEW);
  expect(() => pullLine({ command: '/x "', publicKey: 'ssh-ed25519 BBBB', marker: M })).toThrow('forced command');
  expect(() => pullLine({ command: '/x', publicKey: 'garbage', marker: M })).toThrow('public key');
});
