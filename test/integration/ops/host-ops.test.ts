/**
 * The host-side day-two functions against real snapshots made by the real engine
 * (runtime/backup.ts) on a real ext4 loop disk (ACLs, xattrs, hard links), checked byte for
 * byte and by metadata: history, diff, and restore (deleted file, directory elsewhere,
 * ACL/xattr file, hard links, refusal of newer files, dry run, partial snapshots).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuntimeConfig, type RuntimeConfig } from '../../../runtime/config.ts';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { diffSnapshots, history } from '../../../runtime/ops/history-command.ts';
import { restore } from '../../../runtime/ops/restore.ts';
import { snapshotRows } from '../../../runtime/ops/overview.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { describeTree, withoutInodes } from '../runtime/support/tree.ts';

const usable = isRoot && ['losetup', 'mkfs.ext4', 'setfacl', 'setfattr', 'rsync'].every(hasCommand);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
const WEIRD = "we ird $(touch PWNED) 'q' `x`.txt";

describe.skipIf(!usable)(`host ops on real snapshots${rootNote()}`, () => {
  const log = createLogger({ stdout: false });
  let work: string;
  let mnt: string;
  let device = '';
  let cfg: RuntimeConfig;
  const snaps: string[] = [];
  const apps = (p = ''): string => join(mnt, 'src/Apps', p);
  const inSnap = (i: number, p: string): string => join(mnt, 'dest/set', snaps[i]!, mnt.slice(1), 'src/Apps', p);

  const snapshot = async (): Promise<void> => {
    await sleep(1100);
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    snaps.push(o.snapshot!.split('/').pop()!);
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-ops-'));
    mnt = join(work, 'mnt');
    mkdirSync(mnt);
    sh('truncate', ['-s', '64M', join(work, 'disk.img')]);
    device = sh('losetup', ['--find', '--show', join(work, 'disk.img')]).trim();
    sh('mkfs.ext4', ['-q', '-F', device]);
    sh('mount', [device, mnt]);
    mkdirSync(apps('dir/sub'), { recursive: true });
    mkdirSync(join(mnt, 'dest'));
    writeFileSync(join(mnt, 'dest/.linkdest-backup'), '');
    writeFileSync(apps('doc.txt'), 'version one\n');
    writeFileSync(apps('dir/a.txt'), 'a first\n');
    writeFileSync(apps('dir/sub/b.bin'), Buffer.alloc(5000, 3));
    writeFileSync(apps('dir/hl1'), 'hard linked\n');
    linkSync(apps('dir/hl1'), apps('dir/sub/hl2'));
    writeFileSync(apps('acl.txt'), 'with acl and xattr\n');
    sh('setfacl', ['-m', 'u:4242:r,g:4343:rw', apps('acl.txt')]);
    sh('setfattr', ['-n', 'user.color', '-v', 'blue', apps('acl.txt')]);
    writeFileSync(apps(WEIRD), 'weird name\n');
    cfg = parseRuntimeConfig({
      name: 'set', destination: { path: join(mnt, 'dest') }, sources: [{ path: apps() }], state_dir: join(work, 'state'),
      retention: { keep_min: 10, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
    });
    await snapshot(); // 0: doc v1
    writeFileSync(apps('doc.txt'), 'version two, longer\n');
    await snapshot(); // 1: doc v2
    unlinkSync(apps('doc.txt'));
    writeFileSync(apps('dir/a.txt'), 'a second\n');
    writeFileSync(apps('dir/new.txt'), 'new\n');
    await snapshot(); // 2: doc gone, a changed, new added
  }, 60_000);

  afterAll(() => {
    if (device) {
      try { sh('umount', [mnt]); } catch { /* not mounted */ }
      try { sh('losetup', ['-d', device]); } catch { /* gone */ }
    }
    rmSync(work, { recursive: true, force: true });
  });

  test('snapshots: three complete ones with their metadata figures', async () => {
    const s = await snapshotRows(join(mnt, 'dest/set'));
    expect(s.rows.map((r) => r.name)).toEqual(snaps);
    expect(s.rows.every((r) => r.status === 'ok' && (r.files ?? 0) > 5)).toBe(true);
  });

  test('history lists exactly the distinct versions (one per inode), then the deletion', async () => {
    const h = await history(cfg, apps('doc.txt'), log);
    const inodes = snaps.slice(0, 2).map((_, i) => lstatSync(inSnap(i, 'doc.txt')).ino);
    expect(new Set(inodes).size).toBe(2);
    expect(h.items.map((i) => [i.version, i.from, i.to, i.size])).toEqual([
      [1, snaps[0], snaps[0], 12], [2, snaps[1], snaps[1], 20], [0, snaps[2], snaps[2], undefined],
    ]);
    const unchanged = await history(cfg, apps('dir/sub/b.bin'), log);
    expect(unchanged.items).toMatchObject([{ version: 1, from: snaps[0], to: snaps[2], snapshots: 3 }]);
    const dir = await history(cfg, apps('dir'), log);
    expect(dir.items.map((i) => i.version)).toEqual([1, 2]);
  });

  test('diff: added, removed and changed, nothing else', async () => {
    const rel = (p: string): string => `${mnt.slice(1)}/src/Apps/${p}`;
    expect(await diffSnapshots(cfg, snaps[1]!, snaps[2]!, undefined, log)).toMatchObject({
      added: [rel('dir/new.txt')], removed: [rel('doc.txt')], changed: [rel('dir/a.txt')],
    });
    expect(await diffSnapshots(cfg, snaps[0]!, snaps[1]!, apps(), log)).toMatchObject({ added: [], removed: [], changed: [rel('doc.txt')] });
  });

  test('restore of a deleted file: refused from latest with a hint, then byte-exact from the older snapshot', async () => {
    await expect(restore(cfg, { path: apps('doc.txt') }, log)).rejects.toThrow(`it was last in ${snaps[1]}: add --snapshot ${snaps[1]}`);
    const r = await restore(cfg, { path: apps('doc.txt'), snapshot: snaps[1] }, log);
    expect(r.changes).toEqual(['>f+++++++++ doc.txt']);
    expect(readFileSync(apps('doc.txt'), 'utf8')).toBe('version two, longer\n');
    expect(statSync(apps('doc.txt')).mtimeMs).toBe(statSync(inSnap(1, 'doc.txt')).mtimeMs);
    expect(statSync(apps('doc.txt')).ino).not.toBe(statSync(inSnap(1, 'doc.txt')).ino);
  });

  test('restore --at picks the newest snapshot at or before that time', async () => {
    const r = await restore(cfg, { path: apps('doc.txt'), at: snaps[0], to: join(work, 'at'), force: true }, log);
    expect(r.snapshot).toBe(snaps[0]);
    expect(readFileSync(join(work, 'at/doc.txt'), 'utf8')).toBe('version one\n');
  });

  test('restore of a directory to another path: same tree, owners, modes, times and hard links', async () => {
    const r = await restore(cfg, { path: apps('dir'), snapshot: snaps[0], to: join(mnt, 'elsewhere') }, log);
    expect(r.target).toBe(join(mnt, 'elsewhere/dir'));
    const restored = describeTree(join(mnt, 'elsewhere/dir'));
    expect(withoutInodes(restored)).toEqual(withoutInodes(describeTree(inSnap(0, 'dir'))));
    expect(restored.get('hl1')!.ino).toBe(restored.get('sub/hl2')!.ino);
    expect(readFileSync(apps('dir/a.txt'), 'utf8')).toBe('a second\n');
  });

  test('restore keeps ACLs and xattrs', async () => {
    const acl = (p: string): string => sh('getfacl', ['--omit-header', '--numeric', p]);
    const before = acl(apps('acl.txt'));
    unlinkSync(apps('acl.txt'));
    await restore(cfg, { path: apps('acl.txt') }, log);
    expect(acl(apps('acl.txt'))).toBe(before);
    expect(acl(apps('acl.txt'))).toMatch(/user:4242:r--/);
    expect(sh('getfattr', ['--only-values', '-n', 'user.color', apps('acl.txt')])).toBe('blue');
  });

  test('a file newer than the snapshot is never overwritten without --force; --dry-run shows it', async () => {
    writeFileSync(apps('dir/a.txt'), 'edited today\n');
    const dry = await restore(cfg, { path: apps('dir'), snapshot: snaps[0], dryRun: true }, log);
    expect(dry.newer).toEqual([apps('dir/a.txt')]);
    expect(dry.changes.some((c) => c.endsWith(' a.txt'))).toBe(true);
    await expect(restore(cfg, { path: apps('dir'), snapshot: snaps[0] }, log)).rejects.toThrow(/1 file\(s\) at .* are newer than in snapshot .*nothing was restored/);
    expect(readFileSync(apps('dir/a.txt'), 'utf8')).toBe('edited today\n');
    const forced = await restore(cfg, { path: apps('dir'), snapshot: snaps[0], force: true }, log);
    expect(forced.newer).toEqual([apps('dir/a.txt')]);
    expect(readFileSync(apps('dir/a.txt'), 'utf8')).toBe('a first\n');
    expect(readFileSync(apps('dir/new.txt'), 'utf8')).toBe('new\n'); // nothing deleted
  });

  test('dry run writes nothing', async () => {
    unlinkSync(apps('dir/sub/b.bin'));
    const dry = await restore(cfg, { path: apps('dir/sub/b.bin'), dryRun: true }, log);
    expect(dry.changes).toEqual(['>f+++++++++ b.bin']);
    expect(() => lstatSync(apps('dir/sub/b.bin'))).toThrow();
  });

  test('a path with spaces, quotes and $() is restored as a name, never run', async () => {
    unlinkSync(apps(WEIRD));
    await restore(cfg, { path: apps(WEIRD) }, log);
    expect(readFileSync(apps(WEIRD), 'utf8')).toBe('weird name\n');
    expect(() => lstatSync(join(process.cwd(), 'PWNED'))).toThrow();
  });

  test('a deleted parent directory comes back with the snapshot\'s mode', async () => {
    const mode = lstatSync(inSnap(2, 'dir/sub')).mode;
    rmSync(apps('dir/sub'), { recursive: true });
    await restore(cfg, { path: apps('dir/sub/hl2') }, log);
    expect(lstatSync(apps('dir/sub')).mode).toBe(mode);
  });

  test('refusals: partial snapshot, path outside the sources, kind clash, target on the backup disk', async () => {
    mkdirSync(join(mnt, 'dest/set/2030-01-01_00-00-00.partial'));
    await expect(restore(cfg, { path: apps('dir'), snapshot: '2030-01-01_00-00-00.partial' }, log)).rejects.toThrow(/partial snapshot/);
    await expect(restore(cfg, { path: '/etc/passwd' }, log)).rejects.toThrow(/not inside any backed-up source/);
    rmSync(apps('doc.txt'));
    mkdirSync(apps('doc.txt'));
    utimesSync(apps('doc.txt'), new Date(0), new Date(0));
    await expect(restore(cfg, { path: apps('doc.txt'), snapshot: snaps[1] }, log)).rejects.toThrow(/is a directory now but a file in the snapshot/);
    await expect(restore(cfg, { path: apps('dir'), to: join(mnt, 'dest/x') }, log)).rejects.toThrow(/refusing to restore into the backup disk/);
  });
});
