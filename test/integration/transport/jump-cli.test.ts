/**
 * `linkdest plan` (the built binary) on a host only reached through a jump host, on the
 * real test bed: once with `ssh.jump` in the inventory, once with ProxyJump in the user's
 * ~/.ssh/config. The target's sshd log proves the login came from the jump host's address.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { e2eUnavailable, repoRoot, suiteTitle, Workdir } from '../provision-e2e/bed.ts';

const reason = e2eUnavailable();

describe.skipIf(reason !== undefined)(suiteTitle('linkdest plan through a jump host', reason), () => {
  let bed: Testbed;
  let jump: TestHost;
  let target: TestHost;
  let work: Workdir;
  let home: string;

  /** Logins sshd on the target accepted from this address so far. */
  async function loginsFrom(address: string): Promise<number> {
    const log = await target.check(['journalctl', '-u', 'ssh', '--no-pager', '-o', 'cat']);
    return log.stdout.split('\n').filter((l) => l.startsWith('Accepted publickey for root from ') && l.includes(` from ${address} port `)).length;
  }

  async function plan(ssh: Record<string, unknown>, n: number): Promise<{ code: number; stdout: string; stderr: string }> {
    // No disk: in the inventory: the user's backup filesystem (a tmpfs here) is mounted at
    // the mount point, or the plan refuses to put the marker on the root filesystem.
    await target.check(['mkdir', '-p', `/tmp/linkdest-jump-never-${n}`]);
    await target.check(['mount', '-t', 'tmpfs', 'backup-disk', `/tmp/linkdest-jump-never-${n}`]);
    const inv = await work.inventory({
      hosts: { marte: { ssh: { user: 'root', identity: bed.identity, known_hosts: bed.knownHosts, ...ssh }, mountpoint: `/tmp/linkdest-jump-never-${n}`, sources: ['/srv/nothing'] } },
    }, `linkdest-${n}.yml`);
    // HOME points at a home of this test's own, so its ~/.ssh/config is the one read.
    const r = await execa('node', [join(repoRoot, 'bin/linkdest.mjs'), 'plan', '-i', inv], {
      reject: false, timeout: 120_000, env: { NO_COLOR: '1', HOME: home, SSH_AUTH_SOCK: '' },
    });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(async () => {
    bed = await startHosts(2);
    [jump, target] = bed.hosts as [TestHost, TestHost];
    work = await Workdir.create('jump');
    home = await mkdtemp(join(tmpdir(), 'linkdest-jump-cli-home-'));
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    await writeFile(join(home, '.ssh', 'config'), [
      'Host bastion',
      `  HostName ${jump.address}`,
      '  User root',
      `  IdentityFile ${bed.identity}`,
      'Host backup-target',
      `  HostName ${target.address}`,
      '  ProxyJump bastion',
      '',
    ].join('\n'));
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test.each([
    ['ssh.jump in the inventory', { host: 'TARGET', jump: 'bastion' }],
    ['ProxyJump in ~/.ssh/config', { host: 'backup-target' }],
  ])('%s: plan reaches the host through the jump, exit 2 with changes listed', async (_t, ssh) => {
    const n = ssh.host === 'TARGET' ? 1 : 2;
    const before = { viaJump: await loginsFrom(jump.address), direct: await loginsFrom(bed.gateway) };
    const r = await plan({ ...ssh, host: ssh.host === 'TARGET' ? target.address : ssh.host }, n);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(r.stdout).toMatch(/^marte: \d+ to change/m);
    expect(r.stdout).toContain(`/tmp/linkdest-jump-never-${n}`);
    expect(await loginsFrom(jump.address)).toBe(before.viaJump + 1);
    expect(await loginsFrom(bed.gateway)).toBe(before.direct);
  });
});
