/**
 * The test bed itself, for real: three booted hosts, SSH with strict host keys, systemd
 * units, loop disks partitioned and mounted inside a host, mail from the test process and
 * from inside a host, and nothing left on the machine after stop().
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { autofsNote, isRoot, rootNote } from '../../support/needs.ts';
import { SMTP_CLIENT_SCRIPT, machineHasAutofs, startHosts, startSmtp, type SmtpServer, type Testbed, type TestHost } from '../../testbed/index.ts';
import { stillPresent } from '../../testbed/leftovers.ts';
import { readResources } from '../../testbed/state.ts';

const execFileP = promisify(execFile);

function sshArgs(host: TestHost, knownHosts = host.ssh.known_hosts): string[] {
  return [
    '-F', '/dev/null', '-i', host.ssh.identity, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'ConnectTimeout=5', '-p', String(host.ssh.port), `${host.ssh.user}@${host.ssh.host}`,
  ];
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!isRoot)(`test bed: three hosts${rootNote()}`, () => {
  let bed: Testbed;
  let smtp: SmtpServer;

  beforeAll(async () => {
    bed = await startHosts(3);
    smtp = await startSmtp({ alsoOn: [bed.gateway] });
  });

  afterAll(async () => {
    await smtp?.close();
    await bed?.stop();
  });

  test('every host boots systemd to "running" with its own name and address', async () => {
    for (const host of bed.hosts) {
      expect((await host.exec(['systemctl', 'is-system-running'])).stdout.trim()).toBe('running');
      expect((await host.exec(['hostname'])).stdout.trim()).toBe(host.name);
      expect((await host.exec(['ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout).toContain(`${host.address}/24`);
    }
    const ids = await Promise.all(bed.hosts.map((h) => h.exec(['cat', '/etc/machine-id'])));
    expect(new Set(ids.map((r) => r.stdout)).size).toBe(3);
  });

  test('ssh logs in as root with the bed key and strict known_hosts, and only with them', async () => {
    for (const host of bed.hosts) {
      const { stdout } = await execFileP('ssh', [...sshArgs(host), 'hostname']);
      expect(stdout.trim()).toBe(host.name);
    }
    const empty = join(bed.dir, 'empty_known_hosts');
    await writeFile(empty, '');
    const host = bed.hosts[0]!;
    await expect(execFileP('ssh', [...sshArgs(host, empty), 'true'])).rejects.toThrow(/Host key verification failed/);
    const sshd = await host.exec(['sshd', '-T']);
    expect(sshd.stdout).toMatch(/^permitrootlogin without-password$/m);
    expect(sshd.stdout).toMatch(/^passwordauthentication no$/m);
  });

  test('hosts reach each other over the bridge', async () => {
    const [a, , c] = bed.hosts;
    const res = await a!.exec(['bash', '-c', 'exec 3<>"/dev/tcp/$1/22" && head -c 7 <&3', 'probe', c!.address]);
    expect(res.stdout).toBe('SSH-2.0');
  });

  test('systemd runs a unit file and a transient unit', async () => {
    const host = bed.hosts[1]!;
    await host.check(['tee', '/etc/systemd/system/tb-probe.service'], {
      input: '[Service]\nType=oneshot\nExecStart=/bin/sh -c "echo ran > /run/tb-probe"\n',
    });
    await host.check(['systemctl', 'daemon-reload']);
    await host.check(['systemctl', 'start', 'tb-probe.service']);
    expect((await host.check(['cat', '/run/tb-probe'])).stdout).toBe('ran\n');
    await host.check(['systemd-run', '--wait', '--quiet', '--unit=tb-transient', '/bin/sh', '-c', 'echo t > /run/tb-transient']);
    expect((await host.check(['cat', '/run/tb-transient'])).stdout).toBe('t\n');
    const failing = await host.exec(['systemd-run', '--wait', '--quiet', '--unit=tb-failing', '/bin/false']);
    expect(failing.code).toBe(1);
  });

  test('a loop disk is visible and writable inside the host', async () => {
    const host = bed.hosts[0]!;
    const disk = await host.attachDisk(64 * 1024 * 1024);
    expect((await host.exec(['test', '-b', disk.device])).code).toBe(0);
    await host.check(['sh', '-c', 'printf linkdest-marker | dd of="$1" bs=512 seek=2048 conv=fsync status=none', 'w', disk.device]);
    const onMachine = readFileSync(disk.file).subarray(2048 * 512, 2048 * 512 + 15).toString();
    expect(onMachine).toBe('linkdest-marker');
  });

  /** The mount unit of the disk the next test set up, for the automount test after it. */
  let mountUnit = '';

  test('parted + mkfs.ext4 inside a host, then a mount unit mounts it by UUID', async () => {
    const host = bed.hosts[2]!;
    const disk = await host.attachDisk(128 * 1024 * 1024);
    await host.check(['parted', '-s', disk.device, 'mklabel', 'gpt', 'mkpart', 'backup', 'ext4', '1MiB', '100%']);
    const part = `${disk.device}p1`;
    // As with real udev the node appears shortly after, not at once.
    await waitUntil(part, async () => (await host.exec(['test', '-b', part])).code === 0);
    await host.check(['mkfs.ext4', '-q', '-L', 'LDTEST', part]);
    const uuid = (await host.check(['blkid', '-s', 'UUID', '-o', 'value', part])).stdout.trim();
    const byUuid = `/dev/disk/by-uuid/${uuid}`;
    await waitUntil(byUuid, async () => (await host.exec(['test', '-b', byUuid])).code === 0);
    expect((await host.exec(['readlink', '-f', '/dev/disk/by-label/LDTEST'])).stdout.trim()).toBe(part);
    const unit = (await host.check(['systemd-escape', '--path', '--suffix=mount', '/mnt/backup'])).stdout.trim();
    await host.check(['tee', `/etc/systemd/system/${unit}`], {
      input: `[Mount]\nWhat=${byUuid}\nWhere=/mnt/backup\nType=ext4\n`,
    });
    await host.check(['systemctl', 'daemon-reload']);
    await host.check(['systemctl', 'start', unit]);
    expect((await host.check(['findmnt', '-n', '-o', 'SOURCE,FSTYPE', '/mnt/backup'])).stdout.trim()).toBe(`${part} ext4`);
    await host.check(['sh', '-c', 'echo kept > /mnt/backup/file && sync']);
    await host.check(['systemctl', 'stop', unit]);
    expect((await host.exec(['findmnt', '/mnt/backup'])).code).not.toBe(0);
    mountUnit = unit;
  });

  test('/dev/autofs is in the hosts exactly when the machine has autofs', async () => {
    expect(bed.autofs).toBe(machineHasAutofs());
    expect((await bed.hosts[0]!.exec(['test', '-e', '/dev/autofs'])).code === 0).toBe(bed.autofs);
  });

  test.skipIf(!machineHasAutofs())(`an automount unit mounts that filesystem again on first access${autofsNote()}`, async () => {
    const host = bed.hosts[2]!;
    expect(mountUnit).not.toBe('');
    const automount = mountUnit.replace(/\.mount$/, '.automount');
    await host.check(['tee', `/etc/systemd/system/${automount}`], { input: '[Automount]\nWhere=/mnt/backup\n' });
    await host.check(['systemctl', 'daemon-reload']);
    await host.check(['systemctl', 'start', automount]);
    expect((await host.check(['cat', '/mnt/backup/file'])).stdout).toBe('kept\n');
    expect((await host.check(['systemctl', 'is-active', mountUnit])).stdout.trim()).toBe('active');
  });

  test('sgdisk (kernel cannot parse the table) still gets partition nodes and links', async () => {
    const host = bed.hosts[1]!;
    const disk = await host.attachDisk(32 * 1024 * 1024);
    await host.check(['sgdisk', '-n', '1:0:0', '-c', '1:data', disk.device]);
    const part = `${disk.device}p1`;
    // sgdisk's re-read request drops partitions this kernel cannot parse; like udev's
    // remove/add events, the node may flicker until the stand-in re-adds it.
    let partuuid = '';
    await waitUntil(`${part} usable`, async () => {
      const res = await host.exec(['blkid', '-p', '-s', 'PART_ENTRY_UUID', '-o', 'value', part]);
      partuuid = res.stdout.trim();
      return res.code === 0 && partuuid !== '';
    });
    await waitUntil('by-partuuid link', async () =>
      (await host.exec(['readlink', '-f', `/dev/disk/by-partuuid/${partuuid}`])).stdout.trim() === part);
    expect((await host.exec(['readlink', '-f', '/dev/disk/by-partlabel/data'])).stdout.trim()).toBe(part);
  });

  test('the SMTP server receives mail from the test process and from inside a host', async () => {
    const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'bed@test.invalid', to: 'admin@test.invalid', subject: 'from test', text: 'hello' });
    const local = await smtp.waitFor((m) => m.subject === 'from test');
    expect(local.to).toEqual(['admin@test.invalid']);
    expect(local.text.trim()).toBe('hello');

    const viaGateway = smtp.listening.find((l) => l.host === bed.gateway)!;
    const host = bed.hosts[0]!;
    const sent = await host.exec(['node', '-e', SMTP_CLIENT_SCRIPT, viaGateway.host, String(viaGateway.port), host.name]);
    expect(sent.stderr).toBe('');
    const remote = await smtp.waitFor((m) => m.subject === `from ${host.name}`);
    expect(remote.remoteAddress).toBe(host.address);
    expect(remote.text).toContain('sent by node inside the host');
  });

  test('stop() leaves no container, namespace, link, mount, loop device or directory behind', async () => {
    const resources = readResources(bed.stateDir);
    expect(resources.filter((r) => r.kind === 'loop').length).toBeGreaterThan(0);
    expect(stillPresent(resources).length).toBeGreaterThan(0);
    await smtp.close();
    await bed.stop();
    expect(stillPresent(resources)).toEqual([]);
  });
});
