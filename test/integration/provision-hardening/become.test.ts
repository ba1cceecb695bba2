/**
 * `become` for real: the inventory logs in as `deploy`, a plain user whose only privilege is
 * a NOPASSWD sudoers drop-in (checked with visudo), and every command runs through `sudo -n`.
 * apply converges a blank loop disk (GPT, ext4, units, root-owned 0600 config, timer) and
 * plan is then in sync. A user without sudo rights fails the host on one line that names
 * the host, the step and sudo's own reason, exit 1, with nothing changed on the host.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, fileExists, out, probe, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';
const SUDOERS = '/etc/sudoers.d/linkdest-deploy';

/** A login user with the bed's key in its authorized_keys, as an admin would set one up. */
async function addUser(host: TestHost, user: string, publicKey: string): Promise<void> {
  await host.check(['useradd', '-m', '-s', '/bin/sh', user]);
  await host.check(['install', '-d', '-m', '0700', '-o', user, '-g', user, `/home/${user}/.ssh`]);
  await host.check(['sh', '-c', 'cat > "$1" && chown "$2:$2" "$1" && chmod 0600 "$1"', 'sh', `/home/${user}/.ssh/authorized_keys`, user], { input: publicKey });
}

describe.skipIf(reason !== undefined)(suiteTitle('become: a non-root SSH user with sudo, and one without', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let work: Workdir;

  const inventory = (user: string) =>
    work.inventory({
      hosts: {
        [host.name]: {
          ssh: { ...sshOf(host), user },
          disk: { usb: { device: disk.device }, label: 'linkdest' },
          mountpoint: MOUNT,
          sources: ['/srv/data'],
          retention: SMALL_DISK_RETENTION,
        },
      },
    }, `linkdest-${user}.yml`);

  beforeAll(async () => {
    work = await Workdir.create('become');
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    disk = await host.attachDisk(256 * 1024 * 1024);
    await host.check(['sh', '-c', 'mkdir -p /srv/data && echo hello > /srv/data/hello.txt']);
    const publicKey = await readFile(`${bed.identity}.pub`, 'utf8');
    await addUser(host, 'deploy', publicKey);
    await addUser(host, 'nosudo', publicKey);
    await host.check(['sh', '-c', 'umask 0337 && cat > "$1"', 'sh', SUDOERS], { input: 'deploy ALL=(ALL) NOPASSWD: ALL\n' });
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('the set-up is what an admin would do: sudoers drop-in 0440 passes visudo -c; nosudo has no rule', async () => {
    expect(await out(host, ['stat', '-c', '%a %U', SUDOERS])).toBe('440 root');
    expect((await host.exec(['visudo', '-c', '-f', SUDOERS])).code).toBe(0);
    expect((await host.exec(['visudo', '-c'])).code).toBe(0);
    expect(await out(host, ['su', '-s', '/bin/sh', '-c', 'sudo -n true && echo ok', 'deploy'])).toBe('ok');
    expect(await out(host, ['su', '-s', '/bin/sh', '-c', 'sudo -n true && echo ok', 'nosudo'])).toBe('');
  });

  test('a user without sudo rights: the host fails on one line naming host, step and sudo\'s reason; nothing changed', async () => {
    const inv = await inventory('nosudo');
    for (const args of [['plan'], ['apply', '--yes']]) {
      const r = await runCli([...args, '-i', inv]);
      expect(r.code, r.stdout).toBe(1);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith(`${host.name}: failed`));
      expect(lines, r.stdout).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${host.name}: failed at \\S+: .*sudo`));
      expect(lines[0]).toContain('failed at become: sudo -n: a password is required');
      expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    }
    expect(await probe(host, disk.device)).toEqual({});
    expect(await fileExists(host, '/etc/linkdest')).toBe(false);
    expect(await fileExists(host, '/etc/systemd/system/linkdest.timer')).toBe(false);
  });

  test('deploy with NOPASSWD sudo: apply --yes converges the blank disk, then plan is in sync', async () => {
    const inv = await inventory('deploy');
    const apply = await runCli(['apply', '--yes', '-i', inv], { timeoutMs: 300_000 });
    expect(apply.code, `${apply.stdout}\n${apply.stderr}`).toBe(0);

    expect((await probe(host, disk.device)).PTTYPE).toBe('gpt');
    expect(await probe(host, `${disk.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    // mount is unset: an automount where the kernel has autofs, the mount unit itself where not.
    const started = await out(host, ['systemd-escape', '--path', `--suffix=${bed.autofs ? 'automount' : 'mount'}`, MOUNT]);
    expect(await out(host, ['systemctl', 'is-enabled', started])).toBe('enabled');
    expect(await out(host, ['systemctl', 'is-active', 'linkdest.timer'])).toBe('active');
    // Written through sudo, the config still belongs to root and is readable by root only.
    expect(await out(host, ['stat', '-c', '%a %U %G', '/etc/linkdest/linkdest.json'])).toBe('600 root root');
    expect(await out(host, ['stat', '-c', '%U', '/usr/local/lib/linkdest/linkdest-runtime.mjs'])).toBe('root');
    expect(await fileExists(host, `${MOUNT}/.linkdest-backup`)).toBe(true);

    const plan = await runCli(['plan', '-i', inv]);
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout.trim()).toBe(`${host.name}: in sync`);
  });

  test('the commands really ran as deploy through sudo: sshd logged deploy\'s logins, sudo logged its commands', async () => {
    const journal = await out(host, ['journalctl', '--no-pager', '-o', 'cat', '_COMM=sudo']);
    expect(journal).toMatch(/deploy : .*USER=root ; COMMAND=/);
    expect(journal).not.toMatch(/nosudo : .*USER=root ; COMMAND=/);
  });
});
