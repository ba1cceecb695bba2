/**
 * Restore runs as root and must not be redirected by symlinks, on either side: real
 * snapshots made by the real engine, real symlinks planted in the snapshot and in the
 * target's parents, real rsync. The source is resolved inside the snapshot (a link leading
 * out is refused); a target below a symlinked directory is refused unless --force.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuntimeConfig, type RuntimeConfig } from '../../../runtime/config.ts';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { restore } from '../../../runtime/ops/restore.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const usable = isRoot && hasCommand('rsync');

describe.skipIf(!usable)(`restore does not follow symlinks${rootNote()}`, () => {
  const log = createLogger({ stdout: false });
  let work: string;
  let cfg: RuntimeConfig;
  let snapshot = '';
  const apps = (p = ''): string => join(work, 'src/Apps', p);
  const inSnap = (p: string): string => join(work, 'dest/set', snapshot, work.slice(1), 'src/Apps', p);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-restore-links-'));
    // The live system outside every source: what a link must never lead a restore to.
    mkdirSync(join(work, 'live'));
    writeFileSync(join(work, 'live/secret.txt'), 'live secret\n');
    mkdirSync(apps('dir'), { recursive: true });
    mkdirSync(apps('keep'));
    writeFileSync(apps('dir/a.txt'), 'a from the snapshot\n');
    writeFileSync(apps('keep/k.txt'), 'kept\n');
    symlinkSync(join(work, 'live'), apps('conf')); // backed up as a link, as rsync -a does
    symlinkSync('dir', apps('cur')); // relative, stays inside the snapshot
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    cfg = parseRuntimeConfig({
      name: 'set', destination: { path: join(work, 'dest') }, sources: [{ path: apps() }], state_dir: join(work, 'state'),
      retention: { keep_min: 10, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
    });
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    snapshot = o.snapshot!.split('/').pop()!;
    expect(readlinkSync(inSnap('conf'))).toBe(join(work, 'live'));
  }, 60_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('a backed-up absolute symlink in the path leads out of the snapshot: refused, naming it, nothing copied', async () => {
    const out = join(work, 'out-conf');
    await expect(restore(cfg, { path: apps('conf/secret.txt'), to: out }, log))
      .rejects.toThrow(/src\/Apps\/conf in snapshot \S+ is a symlink to \S+\/live, which leads out of the snapshot; nothing was restored/);
    expect(existsSync(join(out, 'secret.txt'))).toBe(false);
  });

  test('a directory in the snapshot swapped for a symlink later: refused, nothing copied', async () => {
    renameSync(inSnap('keep'), inSnap('keep.real'));
    symlinkSync(join(work, 'live'), inSnap('keep'));
    try {
      const out = join(work, 'out-keep');
      await expect(restore(cfg, { path: apps('keep/secret.txt'), to: out }, log)).rejects.toThrow(/keep in snapshot .* leads out of the snapshot/);
      expect(existsSync(join(out, 'secret.txt'))).toBe(false);
    } finally {
      rmSync(inSnap('keep'));
      renameSync(inSnap('keep.real'), inSnap('keep'));
    }
  });

  test('a relative symlink that stays inside the snapshot is resolved there; a symlink item is restored as a link', async () => {
    await restore(cfg, { path: apps('cur/a.txt'), to: join(work, 'out-cur') }, log);
    expect(readFileSync(join(work, 'out-cur/a.txt'), 'utf8')).toBe('a from the snapshot\n');
    await restore(cfg, { path: apps('conf'), to: join(work, 'out-link') }, log);
    expect(lstatSync(join(work, 'out-link/conf')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(work, 'out-link/secret.txt'))).toBe(false);
  });

  test('a symlink planted in the target\'s parents: refused naming it, nothing written there; --force writes through it', async () => {
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    renameSync(apps('dir'), apps('dir.moved'));
    symlinkSync(elsewhere, apps('dir'));
    try {
      await expect(restore(cfg, { path: apps('dir/a.txt') }, log))
        .rejects.toThrow(`${apps('dir/a.txt')}: ${apps('dir')} is a symlink to ${elsewhere}; a restore writes only through real directories, nothing was restored`);
      expect(existsSync(join(elsewhere, 'a.txt'))).toBe(false);
      await expect(restore(cfg, { path: apps('dir/a.txt'), dryRun: true }, log)).rejects.toThrow(/is a symlink to/);
      await restore(cfg, { path: apps('dir/a.txt'), force: true }, log);
      expect(readFileSync(join(elsewhere, 'a.txt'), 'utf8')).toBe('a from the snapshot\n');
    } finally {
      rmSync(apps('dir'));
      renameSync(apps('dir.moved'), apps('dir'));
    }
  });

  test('--to below a symlinked directory: refused naming the link', async () => {
    mkdirSync(join(work, 'other'));
    symlinkSync(join(work, 'other'), join(work, 'tolink'));
    await expect(restore(cfg, { path: apps('dir/a.txt'), to: join(work, 'tolink/out') }, log))
      .rejects.toThrow(`${join(work, 'tolink')} is a symlink to ${join(work, 'other')}`);
    expect(existsSync(join(work, 'other/out'))).toBe(false);
  });

  test('--force never writes into the backup disk through a link', async () => {
    symlinkSync(join(work, 'dest'), join(work, 'todest'));
    await expect(restore(cfg, { path: apps('dir/a.txt'), to: join(work, 'todest/x'), force: true }, log))
      .rejects.toThrow(`refusing to restore into the backup disk (${join(work, 'todest')} is a symlink to ${join(work, 'dest')}`);
    expect(existsSync(join(work, 'dest/x'))).toBe(false);
  });
});
