import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { quoteArg, quoteArgv } from '../../../provision/transport/quote.ts';
import { hasCommand } from '../../support/needs.ts';

describe('quoteArg', () => {
  test.each([
    ['', "''"],
    ['plain', 'plain'],
    ['/etc/linkdest/linkdest.json', '/etc/linkdest/linkdest.json'],
    ['-rf', '-rf'],
    ['--link-dest=/x', "'--link-dest=/x'"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ['$(reboot)', "'$(reboot)'"],
    ['`id`', "'`id`'"],
    ['a;b', "'a;b'"],
    ['line1\nline2', "'line1\nline2'"],
    ['~root', "'~root'"],
    ['*', "'*'"],
    ['A=B', "'A=B'"],
    ['ünïcødé', "'ünïcødé'"],
    ['back\\slash', "'back\\slash'"],
  ])('%j -> %s', (input, quoted) => {
    expect(quoteArg(input)).toBe(quoted);
  });

  test('refuses a NUL byte instead of truncating silently', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
  });

  test('refuses an empty command', () => {
    expect(() => quoteArgv([])).toThrow(/empty/);
  });
});

const HOSTILE = [
  '', ' ', "'", '"', '\\', '`', '$', '$(touch /tmp/pwned)', '${HOME}', '$HOME', ';', '&&', '|', '>', '<',
  '*', '?', '[a]', '{a,b}', '~', '#', '!', '-n', '-e', '--', '\n', '\t', '\r', "it's \"quoted\"", 'é', '日本',
  '🙂', '\x01', '\x7f', 'a=b', "'\\''", '%s', '%n',
];

/** Deterministic pseudo-random strings built from the characters shells care about. */
function randomHostileStrings(count: number, seed: number): string[] {
  const alphabet = [...`'"\\\`$(){}[];&|<>*?~!#= \n\t%-`, 'a', 'Z', '0', 'é', '日', '🙂', '\x01', '\x1b', '\u00a0'];
  let x = seed;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x;
  };
  return Array.from({ length: count }, () => {
    const len = next() % 24;
    return Array.from({ length: len }, () => alphabet[next() % alphabet.length]).join('');
  });
}

/** Run `printf '%s\0' <quoted argv>` in a real shell; each argument comes back NUL-terminated. */
function roundTrip(shell: string, argv: string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const shells = ['sh', 'bash', 'dash'].filter(hasCommand);

describe.each(shells)('round trip through a real %s', (shell) => {
  test('hostile strings come back byte for byte', () => {
    expect(roundTrip(shell, HOSTILE)).toEqual(HOSTILE);
  });

  test.each([1, 2, 3, 4, 5])('500 random strings (seed %i)', (seed) => {
    const argv = randomHostileStrings(500, seed);
    expect(roundTrip(shell, argv)).toEqual(argv);
  });

  test('a command substitution is never executed', () => {
    const out = execFileSync(shell, ['-c', quoteArgv(['echo', '$(echo INJECTED)', '`echo INJECTED`'])], { encoding: 'utf8' });
    expect(out).toBe('$(echo INJECTED) `echo INJECTED`\n');
  });
});
