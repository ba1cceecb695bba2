/**
 * rsync's two "partial transfer" exits, provoked for real: 24 (a file vanished between
 * rsync listing it and sending it) and 23 (a file the run may not read). Both complete the
 * snapshot as a warning (exit 2) whose message names the files.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listSet } from '../../../runtime/layout.ts';
import { runNightly } from '../../../runtime/run.ts';
import { hasCommand, isRoot, rootNote, commandNote } from '../../support/needs.ts';
import { runConfig } from './support/run-config.ts';

const root = join(import.meta.dirname, '../../..');

describe.skipIf(!isRoot)(`rsync exits 24 and 23 in a real run${rootNote()}`, () => {
  test('exit 24: a file deleted while rsync copies an earlier one -> warning naming it, exit 2, snapshot complete', async () => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-vanish-'));
    try {
      const src = join(work, 'src');
      mkdirSync(src);
      mkdirSync(join(work, 'dest'));
      writeFileSync(join(work, 'dest/.linkdest-backup'), '');
      // rsync lists the whole directory first, then sends in name order: a-big first. Both in
      // one directory deeper than a first copy is ever split (split-plan.ts): one pass copies both.
      mkdirSync(join(src, 'd/e/f'), { recursive: true });
      writeFileSync(join(src, 'd/e/f/a-big'), Buffer.alloc(8 * 1024 * 1024, 1));
      writeFileSync(join(src, 'd/e/f/z-gone'), 'here when listed\n');
      const cfg = runConfig(work, join(work, 'dest'), [src], { rsync: { rsh: ['ssh'], acls: true, xattrs: true, extra_args: ['--bwlimit=2m'] } });
      // Deterministic: z-gone is deleted once rsync writes a-big (a first snapshot writes it
      // in place, fast-path.ts writeInPlace; else into a temp file), i.e. after the file list
      // was built and before z-gone's turn.
      const set = join(work, 'dest/set');
      let deleted = false;
      const watcher = setInterval(() => {
        if (deleted) return;
        const partial = existsSync(set) ? readdirSync(set).find((n) => n.endsWith('.partial')) : undefined;
        if (!partial) return;
        const dir = join(set, partial, src.slice(1), 'd/e/f');
        if (existsSync(dir) && readdirSync(dir).some((n) => n.startsWith('.a-big.') || n === 'a-big')) {
          unlinkSync(join(src, 'd/e/f/z-gone'));
          deleted = true;
        }
      }, 20);
      const r = await runNightly(cfg).finally(() => clearInterval(watcher));
      expect(deleted).toBe(true);
      expect([r.status, r.exitCode]).toEqual(['warning', 2]);
      expect(r.warnings).toEqual([`${src}: files vanished during the copy: ${join(src, 'd/e/f/z-gone')}`]);
      expect(r.snapshot).toBeDefined();
      expect(existsSync(join(r.snapshot!, src.slice(1), 'd/e/f/a-big'))).toBe(true);
      expect((await listSet(set)).complete).toHaveLength(1);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test.skipIf(!hasCommand('setpriv'))(`exit 23: an unreadable file in a run as an unprivileged user -> warning naming it, exit 2, the rest copied${commandNote('setpriv')}`, () => {
    const work = mkdtempSync(join(tmpdir(), 'linkdest-unreadable-'));
    try {
      chmodSync(work, 0o755);
      const src = join(work, 'src');
      mkdirSync(join(src, 'sub'), { recursive: true });
      writeFileSync(join(src, 'sub/readable.txt'), 'ok\n');
      writeFileSync(join(src, 'sub/secret.key'), 'root only\n', { mode: 0o000 });
      const dest = join(work, 'dest');
      mkdirSync(dest);
      writeFileSync(join(dest, '.linkdest-backup'), '');
      const cfg = runConfig(work, dest, [src], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
      for (const d of [dest, join(work, 'state'), join(work, 'log')]) { mkdirSync(d, { recursive: true }); chownSync(d, 65534, 65534); }
      writeFileSync(join(work, 'linkdest.json'), JSON.stringify(cfg));
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--',
        process.execPath, '--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', join(work, 'linkdest.json'), 'run'], { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      const secret = join(src, 'sub/secret.key');
      expect(r.stdout).toContain(`warning: ${src}: some files could not be copied: ${secret}`);
      expect(r.stdout).toContain('status: warning (exit 2)');
      const snap = join(dest, 'set', (readdirSync(join(dest, 'set')).find((n) => /^\d{4}-/.test(n)))!);
      expect(existsSync(join(snap, src.slice(1), 'sub/readable.txt'))).toBe(true);
      expect(existsSync(join(snap, src.slice(1), 'sub/secret.key'))).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
