import { describe, expect, test } from 'vitest';
import { fullMirrorArgs, listedArgs, rootDirArgs, type RsyncFlags } from '../../../runtime/engine/rsync-args.ts';

const flags = (over: Partial<RsyncFlags> = {}): RsyncFlags => ({
  acls: true, xattrs: true, oneFileSystem: false, excludes: [], extraArgs: [], rsh: ['ssh'], remote: false, ...over,
});

describe('rsync argv per pass', () => {
  test.each([
    ['first snapshot: a plain mirror', fullMirrorArgs(flags(), '/Apps', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--delete', '--delete-excluded', '/Apps/', '/b/new/']],
    ['mirror against the previous one, one filesystem, no ACLs', fullMirrorArgs(flags({ acls: false, oneFileSystem: true }), '/Apps', '/b/new', '/b/old'),
      ['-aH', '-X', '--numeric-ids', '--stats', '-x', '--delete', '--delete-excluded', '--link-dest=/b/old', '/Apps/', '/b/new/']],
    ['remote: -e as one string for rsync\'s splitter', fullMirrorArgs(flags({ remote: true, rsh: ['ssh', '-i', "/k/it's"] }), 'nas:/srv', '/b/new', undefined),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '-e', "ssh -i '/k/it''s'", '--delete', '--delete-excluded', 'nas:/srv/', '/b/new/']],
    ['nanosecond mtimes where host and disk allow', fullMirrorArgs(flags({ nanoseconds: true }), '/Apps', '/b/new', '/b/old'),
      ['-aH', '-A', '-X', '--numeric-ids', '--stats', '--modify-window=-1', '--delete', '--delete-excluded', '--link-dest=/b/old', '/Apps/', '/b/new/']],
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
