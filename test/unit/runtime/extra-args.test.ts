import { describe, expect, test } from 'vitest';
import { optionArg, readExtraArgs } from '../../../runtime/engine/extra-args.ts';
import { sumsAllowed } from '../../../runtime/engine/transfer-sums.ts';
import { classifyExtraArgs, writeInPlace } from '../../../runtime/engine/fast-path.ts';

describe('rsync.extra_args read as rsync reads them (runtime/engine/extra-args.ts)', () => {
  test.each([
    [[], []],
    [['-avS'], [['--archive', '-avS'], ['--verbose', '-avS'], ['--sparse', '-avS']]],
    [['--sparse'], [['--sparse']]],
    // A value is not an option: the exclude pattern "-n" is no dry run.
    [['--exclude', '-n'], [['--exclude', undefined, '-n']]],
    [['--exclude=-n'], [['--exclude', undefined, '-n']]],
    // A letter that takes a value takes the rest of its bundle, or the next argument.
    [['-Tci'], [['--temp-dir', '-Tci', 'ci']]],
    [['-T', '/tmp', '-c'], [['--temp-dir', undefined, '/tmp'], ['--checksum']]],
    // An option for the other end counts too.
    [['-vM--fake-super'], [['--verbose', '-vM--fake-super'], ['--remote-option', '-vM--fake-super', '--fake-super'], ['--fake-super']]],
    [['--remote-option', '-n'], [['--remote-option', undefined, '-n'], ['--dry-run']]],
    // Aliases are one option.
    [['--cc', 'md5', '--log-format=%n', '--protect-args'], [['--checksum-choice', undefined, 'md5'], ['--out-format', undefined, '%n'], ['--secluded-args']]],
    [['--rsync-path', 'sudo rsync'], [['--rsync-path', undefined, 'sudo rsync']]],
    // Unknown to the reader: its value (if any) is read as options, erring towards seeing one.
    [['--frobnicate', '-c'], [['--frobnicate'], ['--checksum']]],
    [['-F', 'x'], [['-F'], ['', undefined]]],
    // A value missing at the end: the option, without one.
    [['--exclude'], [['--exclude']]],
  ] as [string[], [string, string?, string?][]][])('%j', (args, want) => {
    const got = readExtraArgs(args).map((o) => [o.name, o.bundle, o.value]);
    expect(got).toEqual(want.map(([n, b, v]) => [n, b, v]));
  });

  test('a dry run for the other end is refused like one here', () => {
    expect(classifyExtraArgs(['-M--dry-run']).refused).toBe('rsync.extra_args: --dry-run is not allowed: a dry run would commit an empty snapshot as complete');
    expect(sumsAllowed(['--remote-option=--checksum-choice=md5'])).toBe(false);
  });

  test('an option passed on in one argument, however it was written', () => {
    expect(readExtraArgs(['--rsync-path', 'sudo rsync', '--no-s', '--rsync-path=/x']).map(optionArg)).toEqual(['--rsync-path=sudo rsync', '--no-s', '--rsync-path=/x']);
  });

  // Regressions: each rule used to match strings of its own, and read values as options.
  test('rsync\'s hashes are kept when only an option\'s value looks like -c or -i', () => {
    expect(sumsAllowed(['--exclude', '-cache'])).toBe(true);
    expect(sumsAllowed(['-Tci'])).toBe(true);
    expect(sumsAllowed(['--log-file', '-c.log'])).toBe(true);
    expect(sumsAllowed(['--exclude', 'x', '-c'])).toBe(false);
  });
  test('a first snapshot writes in place when only an option\'s value holds an S', () => {
    expect(writeInPlace({ anyPrevious: false, destDirty: false, extraArgs: ['--out-format', '-S %n'] })).toBe(true);
    expect(writeInPlace({ anyPrevious: false, destDirty: false, extraArgs: ['--bwlimit', '5m', '-zS'] })).toBe(false);
  });
});
