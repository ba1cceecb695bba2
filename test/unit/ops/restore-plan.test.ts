import { describe, expect, test } from 'vitest';
import { itemizedChanges, newerAtDestination, restoreTarget, rsyncRestoreArgv, topLevelConflict } from '../../../runtime/ops/restore-plan.ts';

describe('restoreTarget', () => {
  test.each([
    ['/Apps/db/app.conf', undefined, '/Apps/db/app.conf'],
    ['/Apps/db', '/root/restore', '/root/restore/db'],
    ['/Apps', '/srv/r', '/srv/r/Apps'],
    ['web:/srv/www', '/root/r', '/root/r/www'],
  ])('%s --to %s -> %s', (original, to, want) => {
    expect(restoreTarget({ original, ...(to ? { to } : {}) })).toBe(want);
  });
});

describe('rsyncRestoreArgv', () => {
  test.each([
    [{ isDir: false, acls: true, xattrs: true, dryRun: false }, ['rsync', '-aH', '-A', '-X', '--numeric-ids', '--itemize-changes', '--', '/s/f', '/t/f']],
    [{ isDir: true, acls: true, xattrs: true, dryRun: true }, ['rsync', '-aH', '-A', '-X', '--numeric-ids', '--itemize-changes', '--dry-run', '--', '/s/f/', '/t/f/']],
    [{ isDir: true, acls: false, xattrs: false, dryRun: false }, ['rsync', '-aH', '--numeric-ids', '--itemize-changes', '--', '/s/f/', '/t/f/']],
  ])('%j', (flags, argv) => {
    expect(rsyncRestoreArgv({ source: '/s/f', target: '/t/f', ...flags })).toEqual(argv);
  });

  test('never deletes at the target', () => {
    expect(rsyncRestoreArgv({ source: '/s', target: '/t', isDir: true, acls: true, xattrs: true, dryRun: false }).join(' ')).not.toMatch(/--delete/);
  });
});

describe('newerAtDestination', () => {
  test.each([
    ['missing at the target: restorable', [{ rel: 'a', snapType: 'file', snapMtimeMs: 10 }], []],
    ['older at the target: restorable', [{ rel: 'a', snapType: 'file', snapMtimeMs: 10, destType: 'file', destMtimeMs: 5 }], []],
    ['same time: restorable', [{ rel: 'a', snapType: 'file', snapMtimeMs: 10, destType: 'file', destMtimeMs: 10 }], []],
    ['newer at the target: refused', [{ rel: 'a', snapType: 'file', snapMtimeMs: 10, destType: 'file', destMtimeMs: 11 }], ['a']],
    ['newer symlink: refused', [{ rel: 'l', snapType: 'link', snapMtimeMs: 10, destType: 'link', destMtimeMs: 20 }], ['l']],
    ['directories never count', [{ rel: 'd', snapType: 'dir', snapMtimeMs: 10, destType: 'dir', destMtimeMs: 99 }], []],
  ] as const)('%s', (_n, entries, want) => {
    expect(newerAtDestination(entries)).toEqual(want);
  });
});

describe('topLevelConflict', () => {
  test.each([
    ['file', undefined, undefined],
    ['file', 'file', undefined],
    ['file', 'dir', 'is a directory now but a file in the snapshot'],
    ['dir', 'link', 'is a symlink now but a directory in the snapshot'],
  ] as const)('%s in the snapshot, %s at the target', (snap, dest, want) => {
    expect(topLevelConflict(snap, dest)).toBe(want);
  });
});

test('itemizedChanges keeps every change rsync makes (also a directory time), drops unchanged entries and stats', () => {
  const out = '>f+++++++++ new.txt\n.d..t...... dir/\n.f...p..... mode.txt\ncd+++++++++ made/\n.f          same\nsent 10 bytes\n';
  expect(itemizedChanges(out)).toEqual(['>f+++++++++ new.txt', '.d..t...... dir/', '.f...p..... mode.txt', 'cd+++++++++ made/']);
});
