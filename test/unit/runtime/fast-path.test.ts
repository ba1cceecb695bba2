import { describe, expect, test } from 'vitest';
import { classifyExtraArgs, fastPathDecision, remoteRestPass, writeInPlace } from '../../../runtime/engine/fast-path.ts';

describe('rsync.extra_args and the fast path (runtime/engine/fast-path.ts)', () => {
  test.each([
    [[], {}],
    [['-v', '--bwlimit=2m', '--timeout', '60', '-zh', '--info=progress2'], {}],
    [['--delete-excluded'], { mirrorReason: 'rsync.extra_args has --delete-excluded, which the pre-link pass does not know to be safe' }],
    [['--filter=- *.o'], { mirrorReason: 'rsync.extra_args has --filter, which the pre-link pass does not know to be safe' }],
    [['-F'], { mirrorReason: 'rsync.extra_args has -F, which the pre-link pass does not know to be safe' }],
    [['-vc'], { mirrorReason: 'rsync.extra_args has -c, which the pre-link pass does not know to be safe' }],
    [['--exclude-from', '/etc/x'], { mirrorReason: 'rsync.extra_args has --exclude-from, which the pre-link pass does not know to be safe' }],
    // A value is not read as an option: "-n" here is an exclude pattern, not a dry run.
    [['--exclude', '-n'], { mirrorReason: 'rsync.extra_args has --exclude, which the pre-link pass does not know to be safe' }],
    [['-avn'], { refused: 'rsync.extra_args: -avn holds -n, which is not allowed: a dry run would commit an empty snapshot as complete' }],
    [['--dry-run'], { refused: 'rsync.extra_args: --dry-run is not allowed: a dry run would commit an empty snapshot as complete' }],
    [['--inplace'], { refused: 'rsync.extra_args: --inplace is not allowed: it writes into existing files, which may be shared with older snapshots' }],
    [['--link-dest=/x'], { refused: 'rsync.extra_args: --link-dest is not allowed: the engine chooses the link source (the previous snapshot)' }],
    [['--backup-dir', 'old'], { refused: 'rsync.extra_args: --backup-dir is not allowed: it writes backup copies into the snapshot' }],
    [['-R'], { refused: 'rsync.extra_args: -R is not allowed: it changes what the snapshot holds and where' }],
    [['--remove-source-files'], { refused: 'rsync.extra_args: --remove-source-files is not allowed: it deletes the source' }],
  ] as [string[], object][])('%j', (args, verdict) => {
    expect(classifyExtraArgs(args)).toEqual(verdict);
  });

  const ok = { remote: false, destDirty: false, prevIsDir: true, prevStartedMs: 1, extraArgs: [] };
  test.each([
    ['a local source, PREV with the same settings, an empty start', ok, { prelink: true }],
    // A remote source pre-links from its host's listing (remote-pass.ts), when it gets one.
    ['remote, PREV with the same settings', { ...ok, remote: true }, { prelink: true }],
    ['first snapshot', { ...ok, prevIsDir: false }, { prelink: false, reason: 'no previous copy of this source' }],
    ['settings changed', { ...ok, prevStartedMs: undefined }, { prelink: false, reason: 'the previous copy was made with other settings (excludes, one_file_system, extra_args, ACLs/xattrs)' }],
    ['resumed partial', { ...ok, destDirty: true }, { prelink: false, reason: 'the destination already holds files (a resumed partial or a retry)' }],
    ['a filter option', { ...ok, extraArgs: ['--include=*/'] }, { prelink: false, reason: 'rsync.extra_args has --include, which the pre-link pass does not know to be safe' }],
  ])('%s', (_name, input, decision) => {
    expect(fastPathDecision(input)).toEqual(decision);
  });
});

describe('what rsync is given after a remote pre-link (fast-path.ts remoteRestPass)', () => {
  test.each([
    [{ listingComplete: true, secludedArgs: true }, { listed: true }],
    // The pull key: its forced command refuses a names list the sender would read unchecked.
    [{ listingComplete: true, secludedArgs: false }, { listed: false, reason: 'the source has its own remote shell (the pull key refuses a names list)' }],
    // find could not read or lost a directory: rsync's whole-tree pass finds what it missed.
    [{ listingComplete: false, secludedArgs: true }, { listed: false, reason: 'the listing is incomplete' }],
  ])('%j', (input, out) => { expect(remoteRestPass(input)).toEqual(out); });
});

describe('when rsync writes files in place (fast-path.ts writeInPlace)', () => {
  const first = { anyPrevious: false, destDirty: false, extraArgs: [] };
  test.each([
    ['the set\'s first snapshot, a clean directory', first, true],
    ['safe extra_args', { ...first, extraArgs: ['-vz', '--bwlimit', '5m', '--checksum-choice=md5'] }, true],
    // Pre-linked files and rsync's --link-dest matches are inodes of an older snapshot.
    ['a previous snapshot exists (even for a source new to the set)', { ...first, anyPrevious: true }, false],
    // Its files may be links into older snapshots that an earlier run made.
    ['a resumed partial or a retry', { ...first, destDirty: true }, false],
    // rsync refuses --inplace beside --partial-dir, --delay-updates; -T is not safe either.
    ['--delay-updates', { ...first, extraArgs: ['--delay-updates'] }, false],
    ['--partial-dir', { ...first, extraArgs: ['--partial-dir=.p'] }, false],
    ['-T DIR', { ...first, extraArgs: ['-T', '/tmp'] }, false],
    // rsync before 3.1.3 refuses --sparse with --inplace.
    ['--sparse', { ...first, extraArgs: ['--sparse'] }, false],
    ['-S in a bundle', { ...first, extraArgs: ['-vS'] }, false],
  ])('%s', (_name, input, inplace) => {
    expect(writeInPlace(input)).toBe(inplace);
  });
});
