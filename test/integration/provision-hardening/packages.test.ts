/**
 * A host whose rsync was removed (dpkg --remove: `command -v rsync` fails for real):
 * with install_packages: false, plan and apply stop that host with one line naming rsync
 * and the apt command; with install_packages: true, apply installs it with apt-get from a
 * local file: repository (the hosts have no route to a mirror, so the .deb is fetched on
 * this machine with `apt-get download` and copied in) and converges; plan is then in sync.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { hasCommand } from '../../support/needs.ts';

const reason = e2eUnavailable() ?? (hasCommand('apt-get') && hasCommand('dpkg-deb') ? undefined : 'needs apt-get and dpkg-deb');
const REPO = '/srv/linkdest-local-repo';
const APT_LINE = 'apt-get install -y --no-install-recommends -- rsync';

/** `apt-get download rsync` here (the mirror is reachable from this machine, not from hosts). */
async function downloadRsyncDeb(dir: string): Promise<string> {
  try {
    execFileSync('apt-get', ['download', 'rsync'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`apt-get download rsync failed on the control machine: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
  const deb = (await readdir(dir)).find((f) => f.startsWith('rsync_') && f.endsWith('.deb'));
  if (deb === undefined) throw new Error('apt-get download rsync wrote no rsync_*.deb');
  return join(dir, deb);
}

/** A Packages index for one .deb, as dpkg-scanpackages writes it: control fields + where and what. */
function packagesIndex(debPath: string, fileName: string): string {
  const control = execFileSync('dpkg-deb', ['-f', debPath], { encoding: 'utf8' }).trimEnd();
  const bytes = readFileSync(debPath);
  const sum = (algo: string) => createHash(algo).update(bytes).digest('hex');
  return `${control}\nFilename: ./${fileName}\nSize: ${bytes.length}\nMD5sum: ${sum('md5')}\nSHA256: ${sum('sha256')}\n\n`;
}

describe.skipIf(reason !== undefined)(suiteTitle('packages: rsync missing on a host, refused or installed with apt', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let download = '';

  const inventory = (install: boolean) =>
    work.inventory({
      hosts: { [host.name]: { ssh: sshOf(host), install_packages: install, mountpoint: '/srv/backup-here', sources: ['/etc/hostname'] } },
    }, `linkdest-${install}.yml`);
  const rsyncOnHost = async () => (await host.exec(['sh', '-c', 'command -v rsync'])).code === 0;

  beforeAll(async () => {
    work = await Workdir.create('packages');
    download = await mkdtemp(join(tmpdir(), 'linkdest-deb-'));
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    await host.check(['dpkg', '--remove', '--force-depends', 'rsync']);
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
    if (download) await rm(download, { recursive: true, force: true });
  });

  test('rsync is really gone from the host: dpkg says so, command -v fails', async () => {
    expect(await rsyncOnHost()).toBe(false);
    expect(await out(host, ['dpkg-query', '-W', '-f', '${db:Status-Status}', 'rsync'])).not.toBe('installed');
  });

  test('install_packages: false: plan and apply fail the host with one line naming rsync and the apt command', async () => {
    const inv = await inventory(false);
    for (const args of [['plan'], ['apply', '--yes']]) {
      const r = await runCli([...args, '-i', inv]);
      expect(r.code, r.stdout).toBe(1);
      const line = r.stdout.split('\n').find((l) => l.startsWith(`${host.name}: failed`)) ?? '';
      expect(line).toContain('missing rsync');
      expect(line).toContain(APT_LINE);
      expect(line).toContain('install_packages: true');
    }
    expect(await rsyncOnHost()).toBe(false);
    expect((await host.exec(['test', '-e', '/etc/linkdest/linkdest.json'])).code).not.toBe(0);
  });

  test('install_packages: true: apply installs rsync from the host\'s local apt repository and converges', async () => {
    const deb = await downloadRsyncDeb(download);
    const name = deb.split('/').pop()!;
    // An offline site: the only repository the host has is a local one (file:, trusted).
    await mkdir(join(host.root, REPO), { recursive: true });
    await copyFile(deb, join(host.root, REPO, name));
    await writeFile(join(host.root, REPO, 'Packages'), packagesIndex(deb, name));
    await host.check(['sh', '-c', 'mv /etc/apt/sources.list /etc/apt/sources.list.offline && rm -f /var/lib/apt/lists/*_Packages /var/lib/apt/lists/*Release*']);
    await writeFile(join(host.root, 'etc/apt/sources.list.d/linkdest-local.list'), `deb [trusted=yes] file:${REPO} ./\n`);
    expect((await stat(join(host.root, REPO, name))).size).toBeGreaterThan(0);

    // No disk: in the inventory, so the user's backup filesystem must be mounted there
    // before apply writes the marker (a tmpfs stands in for it).
    await host.check(['mkdir', '-p', '/srv/backup-here']);
    await host.check(['mount', '-t', 'tmpfs', 'backup-disk', '/srv/backup-here']);
    const inv = await inventory(true);
    const plan = await runCli(['plan', '-i', inv]);
    expect(plan.code, plan.stdout).toBe(2);
    expect(plan.stdout).toContain('install rsync with apt');

    const apply = await runCli(['apply', '--yes', '-i', inv], { timeoutMs: 300_000 });
    expect(apply.code, `${apply.stdout}\n${apply.stderr}`).toBe(0);
    // The lists were gone, so the first install failed; update ran only then, and the retry worked.
    const steps = apply.stderr.split('\n').filter((l) => l.startsWith(`${host.name}: packages: `)).map((l) => l.slice(l.indexOf('apt-get')));
    expect(steps).toEqual([APT_LINE, 'apt-get update', APT_LINE]);
    expect(await rsyncOnHost()).toBe(true);
    expect(await out(host, ['dpkg-query', '-W', '-f', '${db:Status-Status}', 'rsync'])).toBe('installed');
    expect(await out(host, ['rsync', '--version'])).toMatch(/^rsync\s+version/);

    const again = await runCli(['plan', '-i', inv]);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout.trim()).toBe(`${host.name}: in sync`);
  });
});
