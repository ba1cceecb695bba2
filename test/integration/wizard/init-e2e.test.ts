/**
 * The real `linkdest init` binary on a pseudo-terminal against a booted test-bed host:
 * answers typed at the prompts, the host key trusted on first use, a blank loop disk
 * formatted, the plan applied and the first snapshot written. A disk with data is refused
 * without its typed confirmation, and Ctrl-C mid-way leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { parse } from 'yaml';
import { hasCommand, isRoot } from '../../support/needs.ts';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { repoRoot, runCli } from '../../unit/fleet/run-cli.ts';
import { KEY, runOnPty } from './pty.ts';

/** LINKDEST_INIT_BIN: another build of the CLI with init registered (before the lead wires it). */
const bin = process.env.LINKDEST_INIT_BIN ?? join(repoRoot, 'bin/linkdest.mjs');

function unavailable(): string | undefined {
  if (!isRoot) return 'needs root';
  if (!hasCommand('systemd-nspawn') || !hasCommand('python3')) return 'needs systemd-nspawn and python3';
  if (!existsSync(join(repoRoot, 'dist/linkdest-runtime.mjs'))) return 'dist/linkdest-runtime.mjs missing: npm run build';
  try {
    execFileSync('node', [bin, 'init', '--help'], { stdio: 'ignore' });
  } catch {
    return 'init not registered in provision/commands/index.ts (or not built)';
  }
  return undefined;
}
const reason = unavailable();
const title = `linkdest init end to end${reason ? ` (skipped: ${reason})` : ''}`;

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa('node', [bin, ...args], { reject: false, cwd, input: '', env: { NO_COLOR: '1' }, timeout: 120_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const SMALL = ['--keep-min', '2', '--min-free-before', '1M', '--min-free-after', '1M', '--min-inodes-before', '10', '--min-inodes-after', '10'];

describe.skipIf(reason !== undefined)(title, () => {
  let bed: Testbed;
  let host: TestHost;
  let blank: TestDisk;
  let data: TestDisk;
  let work: string;
  let home: string;
  let fingerprint: string;

  const fresh = async (name: string) => {
    const dir = join(work, name);
    await mkdir(dir);
    return dir;
  };
  const probe = async (device: string) => (await host.exec(['blkid', '-p', '-o', 'export', device])).stdout;
  const env = () => ({ HOME: home, NO_COLOR: '1' });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'linkdest-init-e2e-'));
    home = join(work, 'home');
    await mkdir(home);
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    blank = await host.attachDisk(256 * 1024 * 1024);
    data = await host.attachDisk(64 * 1024 * 1024);
    await host.check(['mkfs.ext4', '-q', '-L', 'family', data.device]);
    await host.check(['sh', '-c', 'mkdir -p /srv/data/sub && echo hello > /srv/data/hello.txt && echo deep > /srv/data/sub/deep.txt']);
    const pub = join(bed.dir, host.name, 'ssh_host_ed25519_key.pub');
    fingerprint = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;
  });

  afterAll(async () => {
    await bed?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('--yes refuses a disk with data without --format-confirm; nothing is written, the disk is untouched', async () => {
    const dir = await fresh('refused');
    const r = await cli(['init', '--yes', '-i', join(dir, 'linkdest.yml'), '--host', host.address, '--name', 'h1', '--identity', bed.identity,
      '--host-key-fingerprint', fingerprint, '--disk', data.device, '--source', '/srv/data', ...SMALL], dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--format-confirm is required with --yes');
    expect(await readdir(dir)).toEqual([]);
    expect(await probe(data.device)).toContain('LABEL=family');
  });

  test('typing a wrong word at the erase question is refused; Ctrl-C then leaves nothing behind', async () => {
    const dir = await fresh('ctrl-c');
    const r = await runOnPty(['node', bin, 'init', '-i', join(dir, 'linkdest.yml'), '--identity', bed.identity, '--disk', data.device], [
      { expect: 'Host to back up', send: `${host.address}${KEY.enter}` },
      { expect: 'Name of this host', send: `h1${KEY.enter}` },
      { expect: 'SSH user', send: KEY.enter },
      { expect: 'SSH port', send: KEY.enter },
      { expect: 'Jump host', send: KEY.enter },
      { expect: 'right fingerprint', send: `y${KEY.enter}` },
      // --disk answers "USB or iSCSI?" as well.
      { expect: 'To erase it, type', send: `yes${KEY.enter}` },
      { expect: 'nothing will be erased', send: KEY.ctrlC },
    ], { cwd: dir, env: env() });
    expect(r.failed, r.transcript).toBeNull();
    expect(r.transcript).toContain(fingerprint);
    expect(r.transcript).toContain('holds: ext4 "family"');
    expect(r.code).not.toBe(0);
    expect(await readdir(dir)).toEqual([]);
    expect(await probe(data.device)).toContain('LABEL=family');
    expect((await host.exec(['test', '-e', '/etc/linkdest/linkdest.json'])).code).not.toBe(0);
  });

  test('typed answers: inventory and known_hosts written, plan applied, first snapshot on the disk', async () => {
    const dir = await fresh('full');
    const r = await runOnPty(['node', bin, 'init', '-i', join(dir, 'linkdest.yml'), '--source', '/srv/data', ...SMALL], [
      { expect: 'Host to back up', send: `${host.address}${KEY.enter}` },
      { expect: 'Name of this host', send: `h1${KEY.enter}` },
      { expect: 'SSH user', send: KEY.enter },
      { expect: 'SSH port', send: KEY.enter },
      { expect: 'Private key file', send: `${bed.identity}${KEY.enter}` },
      { expect: 'Jump host', send: KEY.enter },
      { expect: 'right fingerprint', send: `y${KEY.enter}` },
      { expect: 'Where should the backups go', send: KEY.enter },
      { expect: 'Which disk', send: KEY.enter },
      { expect: 'Filesystem for the backup disk', send: KEY.enter },
      { expect: 'Time of the daily backup', send: `02:30${KEY.enter}` },
      { expect: 'Mail the backup reports', send: KEY.enter },
      { expect: 'Healthcheck URL', send: KEY.enter },
      { expect: 'chat or alerting webhook', send: KEY.enter },
      { expect: 'Write ', send: KEY.enter },
      { expect: 'Apply \\d+ changes', send: `y${KEY.enter}` },
      { expect: 'Run the first backup now', send: KEY.enter },
    ], { cwd: dir, env: env(), timeoutS: 400 });
    expect(r.failed, r.transcript.slice(-3000)).toBeNull();
    expect(r.code, r.transcript.slice(-3000)).toBe(0);
    // The data disk is listed but cannot be picked silently; the blank one is the default.
    expect(r.transcript).toMatch(/HAS DATA/);
    const inv = parse(await readFile(join(dir, 'linkdest.yml'), 'utf8'));
    expect(inv.hosts.h1).toMatchObject({
      ssh: { host: host.address, port: 22, user: 'root', identity: bed.identity, known_hosts: './known_hosts' },
      disk: { usb: { device: blank.device } }, sources: ['/srv/data'], schedule: '*-*-* 02:30:00',
    });
    expect(await readFile(join(dir, 'known_hosts'), 'utf8')).toMatch(/^\|1\|\S+ ssh-ed25519 \S+\n$/);
    expect(await probe(`${blank.device}p1`)).toContain('LABEL=linkdest');
    const copies = (await host.exec(['find', '/mnt/Backup', '-name', 'hello.txt'])).stdout.trim().split('\n').filter(Boolean);
    expect(copies).toHaveLength(1);
    expect((await host.exec(['cat', copies[0]!])).stdout.trim()).toBe('hello');
    expect((await host.exec(['systemctl', 'is-enabled', 'linkdest.timer'])).stdout.trim()).toBe('enabled');
    // A second run knows the host: it offers to edit it, and the converged host plans in sync.
    const plan = await runCli(['plan', '-i', join(dir, 'linkdest.yml')], { cwd: dir });
    expect(plan.stdout.trim(), plan.stderr).toBe('h1: in sync');
  });
});
