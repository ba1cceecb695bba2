/**
 * ext4 remounts itself read-only after I/O errors (errors=remount-ro), and the mount point
 * and marker still look right. A real loop ext4, remounted read-only after three snapshots:
 * the run (retention asking to prune) and `linkdest-runtime prune` fail in one line saying
 * so, and every snapshot is still there.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { runNightly } from '../../../runtime/run.ts';
import { run } from '../../../runtime/exec.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4, type SmallExt4 } from './support/small-ext4.ts';

const root = join(import.meta.dirname, '../../..');
const STAMP = /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/;

describe.skipIf(!isRoot || !hasCommand('mkfs.ext4'))(`a destination remounted read-only${rootNote()}`, () => {
  let work: string;
  let disk: SmallExt4;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-ro-'));
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src/file'), 'data\n');
    disk = await makeSmallExt4({ mib: 64 });
  });
  afterAll(async () => {
    await disk?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  test('run and prune fail in one line naming the read-only filesystem; nothing is deleted', async () => {
    const cfg = runConfig(work, disk.mnt, [join(work, 'src')]);
    for (let i = 0; i < 3; i++) expect((await runNightly(cfg)).status).toBe('ok');
    const snapshots = (): string[] => readdirSync(join(disk.mnt, 'set')).filter((n) => STAMP.test(n)).sort();
    const before = snapshots();
    expect(before).toHaveLength(3);
    const remount = await run(['mount', '-o', 'remount,ro', disk.mnt]);
    expect(remount.code, remount.stderr).toBe(0);

    // Retention that wants every snapshot but one gone (keep_min 1, far more free space wanted).
    const greedy = runConfig(work, disk.mnt, [join(work, 'src')], {
      retention: { keep_min: 1, min_free_before: 2 ** 50, min_free_after: 2 ** 50, min_inodes_before: 0, min_inodes_after: 0 },
    });
    const r = await runNightly(greedy);
    expect([r.status, r.exitCode]).toEqual(['failed', 1]);
    const line = `destination: destination ${disk.mnt} is on a read-only filesystem (remounted read-only after I/O errors? see dmesg, then e2fsck the disk); nothing was pruned or written`;
    expect(r.errors).toEqual([line]);
    expect(r.pruned).toEqual([]);
    expect(snapshots()).toEqual(before);

    const config = join(work, 'greedy.json');
    writeFileSync(config, JSON.stringify({ ...greedy, hooks: undefined }));
    const p = await execa('node', ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, 'prune'], { reject: false, cwd: root });
    expect(p.exitCode).toBe(1);
    expect(p.stderr.trim().split('\n')).toEqual([`linkdest-runtime: ${line}`]);
    expect(snapshots()).toEqual(before);
  });
});
