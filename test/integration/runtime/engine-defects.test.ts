/**
 * Issue 11's defects of the snapshot engine, each on real rsync and real filesystems, each
 * compared with what bare `rsync -aH --numeric-ids --delete --link-dest=PREV` gives.
 * Every one of these failed on the engine before the fix named in its title.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { setWalkHook } from '../../../runtime/test-points.ts';
import { hasCommand, isRoot, rootNote, commandNote } from '../../support/needs.ts';
import { describeTree, withoutInodes } from './support/tree.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4, type SmallExt4 } from './support/small-ext4.ts';

const root = join(import.meta.dirname, '../../..');
const log = createLogger({ stdout: false });
const past = new Date('2024-05-06T07:08:09Z');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** rsync 3.5 does not set a directory's mtime when the source directory changed this very moment; keep them old. */
function ageDirs(dir: string): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) ageDirs(join(dir, d.name));
  utimesSync(dir, past, past);
}
const newest = (set: string): string => readdirSync(set).filter((n) => /^\d{4}-/.test(n) && !n.endsWith('.partial')).sort().pop()!;
const bare = (args: string[], src: string, dest: string, prev: string): void => {
  mkdirSync(dest, { recursive: true });
  execFileSync('rsync', ['-aH', '--numeric-ids', '--delete', '--modify-window=-1', ...args, `--link-dest=${prev}`, `${src}/`, `${dest}/`]);
};

describe.skipIf(!isRoot)(`engine defects of issue 11${rootNote()}`, () => {
  let work: string;
  let src: string;
  let dest: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-defects-'));
    src = join(work, 'src');
    dest = join(work, 'dest');
    mkdirSync(join(src, 'a/b'), { recursive: true });
    mkdirSync(dest);
    for (let i = 0; i < 6; i++) writeFileSync(join(src, 'a', `f${i}`), `file ${i}\n`);
    writeFileSync(join(src, 'a/b/keep'), 'kept\n');
    writeFileSync(join(src, 'a/x.tmp'), 'excluded\n');
    ageDirs(src);
  });
  afterEach(() => { setWalkHook(undefined); rmSync(work, { recursive: true, force: true }); });

  test('1 extra_args --delete-excluded: the second snapshot is bare rsync\'s, not empty (the root pass deleted the rest)', async () => {
    const cfg = runConfig(work, dest, [src], { exclude: ['*.tmp'], rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: ['--delete-excluded'] } });
    expect((await backup(cfg, log)).errors).toEqual([]);
    const prev = join(dest, 'set', newest(join(dest, 'set')), src.slice(1));
    await sleep(50);
    writeFileSync(join(src, 'a/f1'), 'changed\n');
    mkdirSync(join(src, 'new'));
    writeFileSync(join(src, 'new/n'), 'new\n');
    ageDirs(src);
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    bare(['--exclude=*.tmp', '--delete-excluded'], src, join(work, 'ref'), prev);
    const mine = describeTree(join(second.snapshot!, src.slice(1)));
    expect(mine.has('a/b/keep')).toBe(true);
    expect(withoutInodes(mine)).toEqual(withoutInodes(describeTree(join(work, 'ref'))));
  });

  test('1 extra_args that make no snapshot are refused by the config, with the reason', () => {
    const parse = (extra: string[]): string => {
      try {
        parseRuntimeConfig({ destination: { path: '/b' }, sources: [{ path: '/s' }], rsync: { extra_args: extra } }, 'c.json');
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(parse(['-avn'])).toBe('c.json: rsync.extra_args: -avn holds -n, which is not allowed: a dry run would commit an empty snapshot as complete');
    expect(parse(['--link-dest=/old'])).toMatch(/^c\.json: rsync\.extra_args: --link-dest is not allowed: the engine chooses the link source/);
    expect(parse(['--delete-excluded', '--bwlimit', '10m'])).toBe('accepted');
  });

  test('2 nested sources /src and /src/a: every run succeeds and equals the two bare rsyncs (EEXIST every second run)', async () => {
    const inner = join(src, 'a');
    const cfg = runConfig(work, dest, [src, { path: inner, exclude: ['*.tmp'] }], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
    for (let run = 0; run < 3; run++) {
      const before = readdirSync(dest).includes('set') ? newest(join(dest, 'set')) : undefined;
      writeFileSync(join(inner, `r${run}`), `run ${run}\n`);
      writeFileSync(join(src, `top${run}`), `run ${run}\n`);
      ageDirs(src);
      const r = await backup(cfg, log);
      expect(r.errors, `run ${run}`).toEqual([]);
      expect(r.warnings).toEqual([]);
      if (!before) continue;
      const prev = join(dest, 'set', before);
      const ref = join(work, `ref${run}`);
      bare(['--include=/a', '--exclude=/a/*'], src, join(ref, src.slice(1)), join(prev, src.slice(1)));
      bare(['--exclude=*.tmp'], inner, join(ref, inner.slice(1)), join(prev, inner.slice(1)));
      expect(withoutInodes(describeTree(join(r.snapshot!, src.slice(1))))).toEqual(withoutInodes(describeTree(join(ref, src.slice(1)))));
    }
  });

  test('2 two sources that land on the same path are a config error', () => {
    expect(() => parseRuntimeConfig({ destination: { path: '/b' }, sources: [{ path: '/nas/x' }, { path: 'nas:/x' }] }, 'c.json'))
      .toThrow('c.json: sources: sources[0] /nas/x and sources[1] nas:/x would be copied to the same place in the snapshot (nas/x)');
  });

  test('3 a new file whose hard-link twin sits in a new directory stays one inode with 2 links', async () => {
    const cfg = runConfig(work, dest, [src], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
    expect((await backup(cfg, log)).errors).toEqual([]);
    writeFileSync(join(src, 'a/twin'), 'one inode\n');
    mkdirSync(join(src, 'fresh'));
    linkSync(join(src, 'a/twin'), join(src, 'fresh/twin'));
    ageDirs(src);
    const r = await backup(cfg, log);
    expect(r.errors).toEqual([]);
    const s = join(r.snapshot!, src.slice(1));
    expect(lstatSync(join(s, 'fresh/twin')).ino).toBe(lstatSync(join(s, 'a/twin')).ino);
    expect(lstatSync(join(s, 'a/twin')).nlink).toBe(2);
  });

  test('4 a directory that vanishes during the pre-link walk: a warning (exit 2), the rest copied, the run not aborted', async () => {
    const cfg = runConfig(work, dest, [src], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
    expect((await backup(cfg, log)).errors).toEqual([]);
    writeFileSync(join(src, 'a/f2'), 'changed\n');
    ageDirs(src);
    setWalkHook((s, dir) => { if (s === src && dir === 'a/b') renameSync(join(src, 'a/b'), join(work, 'gone')); });
    const r = await backup(cfg, log);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([`${src}/a/b: vanished during the copy`]);
    const s = join(r.snapshot!, src.slice(1));
    expect(readFileSync(join(s, 'a/f2'), 'utf8')).toBe('changed\n');
    expect(existsSync(join(s, 'a/b'))).toBe(false);
  });

  test.skipIf(!hasCommand('setpriv'))(`4 an unreadable directory in a run as an unprivileged user: a warning naming it (exit 2), not a failed run${commandNote('setpriv')}`, async () => {
    chmodSync(work, 0o755);
    const cfg = runConfig(work, dest, [src], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
    for (const d of [dest, join(work, 'state'), join(work, 'log')]) { mkdirSync(d, { recursive: true }); chownSync(d, 65534, 65534); }
    writeFileSync(join(dest, '.linkdest-backup'), '');
    writeFileSync(join(work, 'linkdest.json'), JSON.stringify(cfg));
    const runAsNobody = (): ReturnType<typeof spawnSync> => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--',
      process.execPath, '--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', join(work, 'linkdest.json'), 'run'], { cwd: root, encoding: 'utf8' });
    const first = runAsNobody();
    expect(first.status, String(first.stdout)).toBe(0);
    chmodSync(join(src, 'a/b'), 0o700);
    writeFileSync(join(src, 'a/f3'), 'changed\n');
    ageDirs(src);
    const second = runAsNobody();
    expect(second.status, String(second.stdout)).toBe(2);
    expect(second.stdout).toContain(`${src}/a/b: cannot read the directory (EACCES)`);
    const snap = join(dest, 'set', newest(join(dest, 'set')), src.slice(1));
    expect(readFileSync(join(snap, 'a/f3'), 'utf8')).toBe('changed\n');
  });
});

describe.skipIf(!isRoot || !hasCommand('mkfs.ext4'))(`EMLINK and flushing on a real ext4 disk${rootNote()}${commandNote('mkfs.ext4')}`, () => {
  let disk: SmallExt4;
  let work: string;
  beforeEach(async () => {
    disk = await makeSmallExt4({ mib: 64 });
    work = mkdtempSync(join(tmpdir(), 'linkdest-ext4-work-'));
  });
  afterEach(async () => { await disk.remove(); rmSync(work, { recursive: true, force: true }); });

  test('5 a file whose previous copy has 65,000 links (ext4\'s limit) is copied instead, said once in the log, the run ok', async () => {
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'popular'), 'linked by every snapshot\n');
    writeFileSync(join(src, 'other'), 'an ordinary file\n');
    ageDirs(src);
    const cfg = runConfig(work, disk.mnt, [src], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
    expect((await backup(cfg, log)).errors).toEqual([]);
    const prev = join(disk.mnt, 'set', newest(join(disk.mnt, 'set')), src.slice(1));
    // What many snapshots (or a source full of hard links) do to one inode: fill its link count.
    mkdirSync(join(disk.mnt, 'links'));
    for (let i = 1; i < 65_000; i++) linkSync(join(prev, 'popular'), join(disk.mnt, 'links', String(i)));
    expect(lstatSync(join(prev, 'popular')).nlink).toBe(65_000);
    const lines: string[] = [];
    const r = await backup(cfg, { ...log, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) } as typeof log);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const snap = join(r.snapshot!, src.slice(1));
    expect(readFileSync(join(snap, 'popular'), 'utf8')).toBe('linked by every snapshot\n');
    expect(lstatSync(join(snap, 'popular')).ino).not.toBe(lstatSync(join(prev, 'popular')).ino);
    expect(lstatSync(join(snap, 'other')).ino).toBe(lstatSync(join(prev, 'other')).ino);
    expect(lines.filter((l) => l.includes('as many hard links'))).toEqual([`${src}: 1 unchanged files have as many hard links in the previous snapshot as its filesystem allows; rsync copies them`]);
  });

  test('6 killed right before the commit rename: everything the run wrote is already on the disk (no delayed allocation left)', async () => {
    const src = join(work, 'src');
    mkdirSync(src);
    for (let i = 0; i < 200; i++) writeFileSync(join(src, `f${i}`), Buffer.alloc(20_000, i));
    const dev = disk.device.replace('/dev/', '');
    const delayed = (): number => Number(readFileSync(`/sys/fs/ext4/${dev}/delayed_allocation_blocks`, 'utf8'));
    // Own process group: the kill point takes down the run and its children, not vitest.
    const r = await new Promise<{ signal: string | null }>((resolve) => {
      const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'provision/cli.ts'), 'snapshot', '--source', src, '--dest', disk.mnt, '--name', 's'],
        { env: { ...process.env, LINKDEST_TEST_KILL_AT: 'before-commit' }, detached: true, stdio: 'ignore' });
      child.on('close', (_code, signal) => resolve({ signal }));
    });
    expect(r.signal).toBe('SIGKILL');
    expect(readdirSync(join(disk.mnt, 's')).filter((n) => n.endsWith('.partial'))).toHaveLength(1);
    expect(delayed()).toBe(0);
  });
});
