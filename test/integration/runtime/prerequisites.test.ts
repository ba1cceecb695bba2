/**
 * rsync missing, for real: the built CLIs run with a PATH that lacks rsync (everything else
 * still on it). `linkdest snapshot` (what `npm run demo` runs) and the runtime's `run` each
 * say so in one line naming rsync and how to install it, exit 1, and leave nothing behind:
 * no destination, no partial, nothing pruned. With rsync, the demo's two runs give two
 * snapshots that share every unchanged inode.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { listSet, SNAPSHOT_OWN_FILES } from '../../../runtime/layout.ts';
import { pathWithout } from '../../support/path-without.ts';
import { commandNote, hasCommand } from '../../support/needs.ts';
import { repoRoot } from '../../unit/fleet/run-cli.ts';
import { runConfig } from './support/run-config.ts';

const work = mkdtempSync(join(tmpdir(), 'linkdest-prereq-'));
const noRsync = pathWithout('rsync');
afterAll(() => {
  noRsync.remove();
  rmSync(work, { recursive: true, force: true });
});
const ONE_LINE = /^rsync is not installed on this host \(not found on PATH\); install (it with `[^`]+ rsync` \(as root\)|your distribution's rsync package), then run again$/;
const built = existsSync(join(repoRoot, 'dist/linkdest.mjs')) && existsSync(join(repoRoot, 'dist/linkdest-runtime.mjs'));
const demoArgs = (dest: string) => ['snapshot', '--source', 'examples/sample-data/Apps', '--dest', dest, '--name', 'demo'];

/** Every regular file under `dir` but the snapshot's own files, relative path -> inode. */
function inodes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !SNAPSHOT_OWN_FILES.some((n) => p === join(dir, n))) out.set(relative(dir, p), statSync(p).ino);
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!built || !hasCommand('rsync'))(`rsync missing on this machine${built ? commandNote('rsync') : ' (needs npm run build: skipped)'}`, () => {
  test('linkdest snapshot (the demo): one line naming rsync and its install command, exit 1, no destination left', async () => {
    expect(() => execFileSync('sh', ['-c', 'command -v rsync'], { env: { PATH: noRsync.path } })).toThrow();
    const dest = join(work, 'demo-no-rsync');
    const r = await execa(process.execPath, [join(repoRoot, 'bin/linkdest.mjs'), ...demoArgs(dest)], {
      cwd: repoRoot, reject: false, env: { PATH: noRsync.path, NO_COLOR: '1' }, extendEnv: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr.replace(/^linkdest: /, '')).toMatch(ONE_LINE);
    expect(r.stderr).not.toContain('3.1.3');
    expect(existsSync(dest)).toBe(false);
  });

  test('the runtime run: the same line as the run\'s error, exit 1, nothing pruned, no partial, the lock released', async () => {
    const dir = join(work, 'run');
    const src = join(dir, 'src');
    const dest = join(dir, 'dest');
    mkdirSync(src, { recursive: true });
    mkdirSync(dest);
    writeFileSync(join(src, 'a.txt'), 'a\n');
    writeFileSync(join(dest, '.linkdest-backup'), '');
    const cfg = runConfig(dir, dest, [src]);
    const config = join(dir, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
    const runtime = (path: string) => execa(process.execPath, [join(repoRoot, 'dist/linkdest-runtime.mjs'), '--config', config, 'run'], {
      reject: false, env: { PATH: path }, extendEnv: false,
    });
    expect((await runtime(process.env.PATH ?? '')).exitCode).toBe(0);
    const before = await listSet(join(dest, 'set'));
    expect(before.complete).toHaveLength(1);
    // Thresholds no disk meets: any pruning that ran would delete that snapshot.
    writeFileSync(config, JSON.stringify({ ...cfg, retention: { ...cfg.retention, keep_min: 0, min_free_before: Number.MAX_SAFE_INTEGER } }));
    const r = await runtime(noRsync.path);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    const errors = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('rsync is not installed'));
    expect(errors.length, r.stdout).toBeGreaterThan(0);
    for (const l of errors) expect(l.replace(/^.*prerequisites: /, '')).toMatch(ONE_LINE);
    expect(r.stdout + r.stderr).not.toContain('3.1.3');
    expect(await listSet(join(dest, 'set'))).toEqual(before);
    expect(existsSync(join(cfg.state_dir, 'linkdest.lock'))).toBe(false);
  });

  test('with rsync: the demo twice gives two snapshots sharing the inode of every unchanged file', async () => {
    const dest = join(work, 'demo');
    for (let i = 0; i < 2; i++) {
      const r = await execa(process.execPath, [join(repoRoot, 'bin/linkdest.mjs'), ...demoArgs(dest)], { cwd: repoRoot, reject: false });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    const { complete } = await listSet(join(dest, 'demo'));
    expect(complete).toHaveLength(2);
    const [first, second] = complete.map((name) => inodes(join(dest, 'demo', name)));
    expect(first!.size).toBeGreaterThan(0);
    expect([...second!.keys()].sort()).toEqual([...first!.keys()].sort());
    for (const [file, ino] of first!) expect(second!.get(file), file).toBe(ino);
  });
});
