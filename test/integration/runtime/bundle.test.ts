/**
 * The bundle as shipped: `npm run build` (once for this file), then
 * dist/linkdest-runtime.mjs with no node_modules beside it: under this machine's node, and
 * under Debian 12's Node 18 inside a booted test-bed host, against real directories.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');
const built = join(root, 'dist/linkdest-runtime.mjs');

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
});

describe('dist/linkdest-runtime.mjs', () => {
  let work: string;
  let bundle: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-bundle-'));
    // Copied away from the checkout so nothing can resolve node_modules.
    bundle = join(work, 'linkdest-runtime.mjs');
    copyFileSync(built, bundle);
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

describe.skipIf(!isRoot || !hasCommand('systemd-nspawn'))(`the bundle under Node 18 on a Debian 12 host${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    await copyFile(built, join(host.root, 'root/linkdest-runtime.mjs'));
    await host.check(['mkdir', '-p', '/srv/data/sub', '/mnt/backup', '/etc/linkdest']);
    await host.check(['touch', '/mnt/backup/.linkdest-backup']);
    await writeFile(join(host.root, 'srv/data/sub/same.txt'), 'unchanged between the runs\n');
    await writeFile(join(host.root, 'srv/data/changes.txt'), 'first\n');
    await writeFile(join(host.root, 'etc/linkdest/linkdest.json'), JSON.stringify({
      name: 'host1', destination: { path: '/mnt/backup' }, sources: [{ path: '/srv/data' }],
      retention: { keep_min: 3, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
    }));
  });
  afterAll(async () => { await bed?.stop(); });

  const runtime = (...args: string[]) => host.exec(['node', '/root/linkdest-runtime.mjs', '--config', '/etc/linkdest/linkdest.json', ...args]);
  const inode = async (path: string): Promise<string> => (await host.check(['stat', '-c', '%i', path])).stdout.trim();

  test('two runs with the host\'s node v18: exit 0, unchanged files hard-linked, status --json parses', async () => {
    expect((await host.check(['node', '--version'])).stdout.trim()).toMatch(/^v18\./);
    const first = await runtime('run');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await writeFile(join(host.root, 'srv/data/changes.txt'), 'second, longer\n');
    const second = await runtime('run');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stderr).toBe('');

    const status = await runtime('status', '--json');
    const parsed = JSON.parse(status.stdout) as { snapshots: number; latest: string; problems: string[]; last: { status: string; stats: { files: number; filesLinked: number } } };
    expect(parsed).toMatchObject({ snapshots: 2, problems: [], last: { status: 'ok', stats: { files: 4, filesLinked: 1 } } });
    const names = (await host.check(['ls', '/mnt/backup/host1'])).stdout.split('\n').filter((n) => /^\d{4}-/.test(n));
    expect(names).toHaveLength(2);
    expect(parsed.latest).toBe(names[1]);
    const [a, b] = names.map((n) => `/mnt/backup/host1/${n}/srv/data`);
    expect(await inode(`${b}/sub/same.txt`)).toBe(await inode(`${a}/sub/same.txt`));
    expect(await inode(`${b}/changes.txt`)).not.toBe(await inode(`${a}/changes.txt`));
    expect((await host.check(['cat', `${b}/changes.txt`])).stdout).toBe('second, longer\n');
    // The default log directory on the host got one file per run.
    expect((await host.check(['ls', '/var/log/linkdest'])).stdout.trim().split('\n')).toHaveLength(2);
  });
});
