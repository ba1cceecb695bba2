/**
 * The bundle as shipped: `npm run build`, then dist/linkdest-runtime.mjs under this
 * machine's node with no node_modules beside it, against a real destination directory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');

describe('dist/linkdest-runtime.mjs', () => {
  let work: string;
  let bundle: string;
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    work = mkdtempSync(join(tmpdir(), 'linkdest-bundle-'));
    // Copied away from the checkout so nothing can resolve node_modules.
    bundle = join(work, 'linkdest-runtime.mjs');
    copyFileSync(join(root, 'dist/linkdest-runtime.mjs'), bundle);
    mkdirSync(join(work, 'src/sub'), { recursive: true });
    writeFileSync(join(work, 'src/sub/a.txt'), 'hello\n');
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    writeFileSync(join(work, 'linkdest.json'), JSON.stringify({
      name: 'bundle', destination: { path: join(work, 'dest') }, sources: [{ path: join(work, 'src') }],
      retention: { keep_min: 3, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
      log: { dir: join(work, 'log'), keep: 5 }, state_dir: join(work, 'state'),
    }));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, '--config', join(work, 'linkdest.json'), ...args], { encoding: 'utf8' });

  test('--version, run, status --json, verify', () => {
    expect(cli('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const run = cli('run');
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const status = JSON.parse(cli('status', '--json').stdout) as { snapshots: number; last: { status: string; stats: { files: number } } };
    expect(status.snapshots).toBe(1);
    expect(status.last.status).toBe('ok');
    expect(cli('verify').stdout.trim()).toBe('ok');
  });

  test('a bad config is one line naming the file and field', () => {
    writeFileSync(join(work, 'bad.json'), JSON.stringify({ destination: { path: 'relative' }, sources: [{ path: '/x' }] }));
    const r = spawnSync(process.execPath, [bundle, '--config', join(work, 'bad.json'), 'run'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`linkdest-runtime: config: ${join(work, 'bad.json')}: destination.path: expected an absolute path`);
  });
});
