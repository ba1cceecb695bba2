import { describe, expect, test } from 'vitest';
import { fullMirrorArgs, listedArgs, rootDirArgs, type RsyncFlags } from '../../../runtime/engine/rsync-args.ts';
import { remoteSourceArg, rsyncTakesSecludedArgs } from '../../../runtime/engine/remote-args.ts';

const flags = (over: Partial<RsyncFlags> = {}): RsyncFlags => ({
  acls: true, xattrs: true, oneFileSystem: false, excludes: [], extraArgs: [], rsh: ['ssh'], remote: false, ...over,
});

describe('rsync argv per pass', () => {
  test.each([
    ['first snapshot: a plain mirror', fullMirrorArgs(flags(), '/Apps', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--delete', '--delete-excluded', '/Apps/', '/b/new/']],
    ['mirror against the previous one, one filesystem, no ACLs', fullMirrorArgs(flags({ acls: false, oneFileSystem: true }), '/Apps', '/b/new', '/b/old'),
      ['-aH', '-X', '--numeric-ids', '--stats', '-x', '--delete', '--delete-excluded', '--link-dest=/b/old', '/Apps/', '/b/new/']],
    ['remote: -e as one string for rsync\'s splitter, -s so no shell on the source host sees the path', fullMirrorArgs(flags({ remote: true, rsh: ['ssh', '-i', "/k/it's"] }), 'nas:/srv/a b', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '-e', "ssh -i '/k/it''s'", '-s', '--delete', '--delete-excluded', 'nas:/srv/a b/', '/b/new/']],
    ['remote with extra_args: -s comes first, so a --no-s there wins', fullMirrorArgs(flags({ remote: true, extraArgs: ['--no-s'] }), 'nas:/srv', '/b/new', '/b/old'),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '-e', 'ssh', '-s', '--no-s', '--delete', '--delete-excluded', '--link-dest=/b/old', 'nas:/srv/', '/b/new/']],
    ['remote, this rsync older than 3.0.0: no -s', fullMirrorArgs(flags({ remote: true, secludedArgs: false }), 'nas:/srv', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '-e', 'ssh', '--delete', '--delete-excluded', 'nas:/srv/', '/b/new/']],
    ['local source: never -s', fullMirrorArgs(flags({ secludedArgs: true }), '/Apps', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--delete', '--delete-excluded', '/Apps/', '/b/new/']],
    ['nanosecond mtimes where host and disk allow', fullMirrorArgs(flags({ nanoseconds: true }), '/Apps', '/b/new', '/b/old'),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--modify-window=-1', '--delete', '--delete-excluded', '--link-dest=/b/old', '/Apps/', '/b/new/']],
    ['rsync prints its xxh128 of each file it writes, before extra_args', fullMirrorArgs(flags({ sums: true, extraArgs: ['-z'] }), '/Apps', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--checksum-choice=xxh128', '--out-format=linkdest-sum %C %l %n', '-z', '--delete', '--delete-excluded', '/Apps/', '/b/new/']],
    ['remote: rsync prints the checksum it negotiated, which the hashes need (no forced choice)', fullMirrorArgs(flags({ sums: true, remote: true }), 'nas:/srv', '/b/new', '/b/old'),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--debug=NSTR', '--out-format=linkdest-sum %C %l %n', '-e', 'ssh', '-s', '--delete', '--delete-excluded', '--link-dest=/b/old', 'nas:/srv/', '/b/new/']],
    ['a first snapshot written in place, before extra_args', fullMirrorArgs(flags({ inplace: true, extraArgs: ['-z'] }), '/Apps', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--inplace', '-z', '--delete', '--delete-excluded', '/Apps/', '/b/new/']],
    ['listed, recursive (new directories)', listedArgs(flags({ excludes: ['*.tmp'] }), '/Apps', '/b/new', '/b/old', '/t/new', true),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--exclude=*.tmp', '-r', '--files-from=/t/new', '--from0', '--link-dest=/b/old', '/Apps/', '/b/new/']],
    ['the top directory alone: its children excluded before any user rule', rootDirArgs(flags({ excludes: ['cache/'], extraArgs: ['--include=keep'] }), '/Apps', '/b/new'),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--exclude=/*', '--exclude=cache/', '--include=keep', '--no-r', '-d', '/Apps/', '/b/new/']],
    ['an outer source: the inner source\'s directory kept, its contents left to it, before the user\'s rules', fullMirrorArgs(flags({ innerSources: ['data'], excludes: ['*.tmp'] }), '/srv', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--include=/data', '--exclude=/data/*', '--exclude=*.tmp', '--delete', '--delete-excluded', '/srv/', '/b/new/']],
    ['the top directory of an outer source: no inner rules, every child excluded', rootDirArgs(flags({ innerSources: ['data'] }), '/srv', '/b/new'),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--exclude=/*', '--no-r', '-d', '/srv/', '/b/new/']],
  ])('%s', (_, argv, want) => {
    expect(argv).toEqual(want);
  });
});

describe('rsyncTakesSecludedArgs (-s, since 3.0.0)', () => {
  test.each([
    ['rsync  version 3.2.7  protocol version 31', true],
    ['rsync  version 3.2.3  protocol version 31', true],
    ['rsync  version 3.1.2  protocol version 31', true],
    ['rsync  version v3.0.0  protocol version 30', true],
    ['rsync  version 2.6.9  protocol version 29', false],
    ['', false],
  ])('%s -> %s', (text, want) => {
    expect(rsyncTakesSecludedArgs(text)).toBe(want);
  });
});

describe('remoteSourceArg: with -s the source host globs the path, so wildcards are escaped', () => {
  test.each<[string, boolean, string]>([
    ['nas:/srv/a b; touch x', true, 'nas:/srv/a b; touch x'],
    ['root@nas:/srv/g[1]', true, 'root@nas:/srv/g\\[1\\]'],
    ['nas:/srv/it\'s * ? \\x', true, 'nas:/srv/it\'s \\* \\? \\\\x'],
    ['nas:/srv/back\\slash', true, 'nas:/srv/back\\slash'],
    ['nas:/srv/g[1]', false, 'nas:/srv/g[1]'],
  ])('%s (-s %s) -> %s', (spec, secluded, want) => {
    expect(remoteSourceArg(spec, secluded)).toBe(want);
  });
});
