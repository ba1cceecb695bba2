/**
 * Who can read the snapshots on the backup host. A real loop ext4 mounted as the backup
 * root (mkfs makes its root 0755) and a set left 0755 by an older linkdest: after a run,
 * an unprivileged local user (nobody, via setpriv) can list or read nothing under the mount
 * point, while restore (root) still works; with backup_group, members of that group can
 * read the set and others still cannot.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { runNightly } from '../../../runtime/run.ts';
import { run } from '../../../runtime/exec.ts';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4, type SmallExt4 } from './support/small-ext4.ts';

const root = join(import.meta.dirname, '../../..');
const usable = isRoot && hasCommand('setpriv') && hasCommand('mkfs.ext4');
const GROUP = 'users';

/** argv as the local user nobody, with no supplementary groups unless given. */
const asNobody = (argv: string[], groups: string[] = []) => run(['setpriv', '--reuid=nobody', '--regid=nogroup',
  ...(groups.length > 0 ? [`--groups=${groups.join(',')}`] : ['--clear-groups']), '--', ...argv]);

describe.skipIf(!usable)(`snapshots are readable by root only (or backup_group)${rootNote()}${commandNote('setpriv')}`, () => {
  let work: string;
  let disk: SmallExt4;
  let src: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-modes-'));
    chmodSync(work, 0o755);
    src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'id_key'), 'a key that was 0644 for a day\n', { mode: 0o644 });
    disk = await makeSmallExt4({ mib: 64 });
    // The mount point's parent is a private tmp dir: open it, so only the modes under test decide.
    chmodSync(dirname(disk.mnt), 0o755);
  });
  afterAll(async () => {
    await disk?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  const mode = (p: string): string => `0${(statSync(p).mode & 0o7777).toString(8)}`;

  test('default: the root and a 0755 set left by an older run become 0700; nobody reads nothing; restore still works', async () => {
    mkdirSync(join(disk.mnt, 'set'), { mode: 0o755 });
    chmodSync(join(disk.mnt, 'set'), 0o755);
    const cfg = runConfig(work, disk.mnt, [src]);
    const r = await runNightly(cfg);
    expect([r.status, r.warnings]).toEqual(['ok', []]);
    expect([mode(disk.mnt), mode(join(disk.mnt, 'set'))]).toEqual(['0700', '0700']);
    expect(readFileSync(r.logFile!, 'utf8')).toContain(`${join(disk.mnt, 'set')}: mode 0755, now 0700 (only root reads the snapshots)`);

    const copy = join(r.snapshot!, src.slice(1), 'id_key');
    expect(readFileSync(copy, 'utf8')).toContain('a key');
    for (const argv of [['ls', disk.mnt], ['ls', join(disk.mnt, 'set')], ['cat', copy], ['stat', join(disk.mnt, 'set', 'latest')]]) {
      const seen = await asNobody(argv);
      expect(seen.code, `${argv.join(' ')}: ${seen.stdout}`).not.toBe(0);
      expect(seen.stderr).toMatch(/Permission denied/);
    }
    expect((await asNobody(['find', disk.mnt])).stdout.trim().split('\n')).toEqual([disk.mnt]);

    rmSync(join(src, 'id_key'));
    const config = join(work, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
    const restored = await execa('node', ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, 'restore', join(src, 'id_key')], { reject: false, cwd: root });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(readFileSync(join(src, 'id_key'), 'utf8')).toContain('a key');
    expect([mode(disk.mnt), mode(join(disk.mnt, 'set'))]).toEqual(['0700', '0700']);
  });

  test(`backup_group ${GROUP}: 0750 with that group; its members list the set, others still cannot`, async () => {
    const cfg = runConfig(work, disk.mnt, [src], { backup_group: GROUP });
    const r = await runNightly(cfg);
    expect([r.status, r.warnings]).toEqual(['ok', []]);
    const gid = Number((await run(['getent', 'group', GROUP])).stdout.split(':')[2]);
    for (const d of [disk.mnt, join(disk.mnt, 'set')]) expect([mode(d), statSync(d).gid]).toEqual(['0750', gid]);
    expect((await asNobody(['ls', join(disk.mnt, 'set')], [GROUP])).stdout).toContain('latest');
    expect((await asNobody(['ls', join(disk.mnt, 'set')])).code).not.toBe(0);
  });

  test('a backup_group this host does not know: 0700 and one warning', async () => {
    const cfg = runConfig(work, disk.mnt, [src], { backup_group: 'no-such-group-here' });
    const r = await runNightly(cfg);
    expect([r.status, r.warnings]).toEqual(['warning', ['backup_group no-such-group-here: no such group on this host; the snapshots stay readable by root only (0700)']]);
    expect([mode(disk.mnt), mode(join(disk.mnt, 'set'))]).toEqual(['0700', '0700']);
    expect(existsSync(join(disk.mnt, 'set', 'latest'))).toBe(true);
  });
});
