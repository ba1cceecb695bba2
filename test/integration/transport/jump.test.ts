/**
 * Jump hosts on the real test bed: two booted hosts on the bed's bridge, host2 reached
 * through host1 (named by a ~/.ssh/config alias, as sysadmins write it). The hop is proved
 * by sshd itself: $SSH_CONNECTION on host2 starts with host1's address, where a direct
 * connection shows the bridge's. Failures of each step are one line naming host and jump.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostSpec, SshSpec } from '../../../inventory/host-spec.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import { trustHost } from '../../../provision/trust.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { sshKeygenFingerprint } from './loopback-sshd.ts';

const canRun = isRoot && hasCommand('systemd-nspawn') && hasCommand('ssh-keygen');
const why = canRun ? '' : isRoot ? ' (needs systemd-nspawn and ssh-keygen: skipped)' : rootNote();

describe.skipIf(!canRun)(`SSH through a jump host on the test bed${why}`, () => {
  let bed: Testbed;
  let jump: TestHost;
  let target: TestHost;
  let home: string;
  const opened: Transport[] = [];

  function spec(ssh: Partial<SshSpec>): HostSpec {
    return {
      name: 'marte', groups: [], connection: 'ssh', become: false, install_packages: false,
      ssh: { host: target.address, user: 'root', identity: bed.identity, known_hosts: bed.knownHosts, jump: ['bastion'], ...ssh },
      mountpoint: '/mnt/Backup', mount: 'automount', marker: '.m', schedule: 'daily',
      runtime: {} as HostSpec['runtime'], origin: 'linkdest.yml:3:3',
    };
  }

  function open(ssh: Partial<SshSpec> = {}): Transport {
    const t = openTransport(spec(ssh), { sshConfigFile: join(home, '.ssh', 'config'), homeDir: home, env: {} });
    opened.push(t);
    return t;
  }

  async function connectError(t: Transport): Promise<string> {
    const err = await t.run(['true']).then(() => undefined, (e: unknown) => e);
    await t.close();
    expect(err).toBeInstanceOf(LinkdestError);
    const line = (err as LinkdestError).oneLine();
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^marte: connect: /);
    return line;
  }

  /** Established TCP connections to sshd on a host, as the host's kernel lists them. */
  async function sshSessions(host: TestHost): Promise<string[]> {
    const r = await host.check(['ss', '-Htn', 'state', 'established', '( sport = :22 )']);
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  }

  async function waitNoSessions(host: TestHost): Promise<string[]> {
    let left = await sshSessions(host);
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await sshSessions(host);
    }
    return left;
  }

  beforeAll(async () => {
    bed = await startHosts(2);
    [jump, target] = bed.hosts as [TestHost, TestHost];
    home = await mkdtemp(join(tmpdir(), 'linkdest-jump-home-'));
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    const onlyTarget = join(home, 'target_only_known_hosts');
    await writeFile(onlyTarget, (await readFile(bed.knownHosts, 'utf8')).split('\n').filter((l) => l.startsWith(`${target.address} `)).join('\n'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, 'stranger_key')]);
    await writeFile(join(home, '.ssh', 'config'), [
      'Host bastion',
      `  HostName ${jump.address}`,
      '  User root',
      `  IdentityFile ${bed.identity}`,
      'Host bastion-unknown-key',
      `  HostName ${jump.address}`,
      '  User root',
      `  IdentityFile ${bed.identity}`,
      `  UserKnownHostsFile ${onlyTarget}`,
      'Host bastion-stranger',
      `  HostName ${jump.address}`,
      '  User root',
      `  IdentityFile ${join(home, 'stranger_key')}`,
      '',
    ].join('\n'));
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(opened.map((t) => t.close()));
    await bed?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test("commands on the target run over the jump: sshd sees the jump's address, a direct connection the bridge's", async () => {
    const direct = open({ jump: [] });
    const seenDirect = (await direct.run(['sh', '-c', 'echo $SSH_CONNECTION'])).stdout.toString().trim().split(' ');
    await direct.close();
    expect(seenDirect[0]).toBe(bed.gateway);

    const t = open();
    const seen = (await t.run(['sh', '-c', 'echo $SSH_CONNECTION'])).stdout.toString().trim().split(' ');
    expect(seen[0]).toBe(jump.address);
    expect(seen[2]).toBe(target.address);
    await t.close();
  });

  test('ONE connection to the target for many commands, and close() leaves no session on either host', async () => {
    expect(await waitNoSessions(jump)).toEqual([]);
    const t = open();
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => t.run(['sh', '-c', 'echo $SSH_CONNECTION'])));
      const sources = new Set(results.map((r) => r.stdout.toString().trim().split(' ').slice(0, 2).join(':')));
      expect(sources.size).toBe(1);
      expect([...sources][0]).toMatch(new RegExp(`^${jump.address.replace(/\./g, '\\.')}:\\d+$`));
      const onJump = await sshSessions(jump);
      expect(onJump.filter((l) => l.includes(bed.gateway))).toHaveLength(1);
    } finally {
      await t.close();
    }
    expect(await waitNoSessions(target)).toEqual([]);
    expect(await waitNoSessions(jump)).toEqual([]);
  });

  test('the target named by an alias whose ProxyJump is in ~/.ssh/config', async () => {
    const config = join(home, '.ssh', 'config');
    const before = await readFile(config, 'utf8');
    await writeFile(config, `Host backup-target\n  HostName ${target.address}\n  ProxyJump bastion\n${before}`);
    try {
      const t = open({ host: 'backup-target', jump: undefined });
      expect((await t.run(['sh', '-c', 'echo $SSH_CONNECTION'])).stdout.toString().split(' ')[0]).toBe(jump.address);
      await t.close();
    } finally {
      await writeFile(config, before);
    }
  });

  test("an unknown jump key: one line naming the jump and its fingerprint; the line it gives is the fix", async () => {
    const line = await connectError(open({ jump: ['bastion-unknown-key'] }));
    const fingerprint = sshKeygenFingerprint(join(bed.dir, jump.name, 'ssh_host_ed25519_key.pub'));
    expect(line).toContain(`jump host bastion-unknown-key (${jump.address}:22): host key of ${jump.address}:22 is not known`);
    expect(line).toContain(`ssh-ed25519 ${fingerprint}`);
    const known = /add this line to (\S+): (.*)$/.exec(line);
    expect(known?.[1]).toBe(join(home, 'target_only_known_hosts'));
    const file = known?.[1] ?? '';
    await writeFile(file, `${await readFile(file, 'utf8')}\n${known?.[2] ?? ''}\n`);
    const t = open({ jump: ['bastion-unknown-key'] });
    expect((await t.run(['sh', '-c', 'echo $SSH_CONNECTION'])).stdout.toString().split(' ')[0]).toBe(jump.address);
    await t.close();
  });

  test('a jump nothing listens on: connection refused, naming the jump and its address', async () => {
    expect(await connectError(open({ jump: ['bastion:2'] }))).toBe(`marte: connect: jump host bastion (${jump.address}:2): connection refused`);
  });

  test('a jump that refuses our key: authentication failed, naming the jump and what was tried', async () => {
    const line = await connectError(open({ jump: ['bastion-stranger'] }));
    expect(line).toBe(`marte: connect: jump host bastion-stranger (${jump.address}:22): authentication failed for root (tried identity ${join(home, 'stranger_key')})`);
  });

  test('a target the jump cannot reach: the jump host cannot reach it', async () => {
    const line = await connectError(open({ port: 2 }));
    expect(line).toBe(`marte: connect: the jump host bastion cannot reach ${target.address}:2: Connection refused`);
    expect(await waitNoSessions(jump)).toEqual([]);
  });

  test('a jump with AllowTcpForwarding no: refused to forward, in one line', async () => {
    await jump.check(['sh', '-c', 'echo "AllowTcpForwarding no" > /etc/ssh/sshd_config.d/zz-linkdest-test.conf && systemctl reload ssh']);
    try {
      expect((await jump.check(['sshd', '-T'])).stdout).toMatch(/^allowtcpforwarding no$/m);
      const line = await connectError(open());
      expect(line).toBe(`marte: connect: the jump host bastion refused to forward to ${target.address}:22 (AllowTcpForwarding no? PermitOpen?)`);
      expect(await waitNoSessions(jump)).toEqual([]);
    } finally {
      await jump.check(['sh', '-c', 'rm -f /etc/ssh/sshd_config.d/zz-linkdest-test.conf && systemctl reload ssh']);
      // sshd re-executes itself on reload: its port is closed for a moment.
      await jump.check(['sh', '-c', 'for i in $(seq 50); do [ -n "$(ss -Htln "( sport = :22 )")" ] && exit 0; sleep 0.1; done; exit 1']);
    }
  });

  test('linkdest trust records the key of a host behind a jump (fetched through the jump), and then it connects', async () => {
    // A known_hosts that knows the jump only: the target behind it is new.
    const onlyJump = join(home, 'only_jump_known_hosts');
    await writeFile(onlyJump, (await readFile(bed.knownHosts, 'utf8')).split('\n').filter((l) => l.startsWith(`${jump.address} `)).join('\n'));
    const config = join(home, 'trust_config');
    await writeFile(config, ['Host bastion', `  HostName ${jump.address}`, '  User root', `  IdentityFile ${bed.identity}`, `  UserKnownHostsFile ${onlyJump}`, ''].join('\n'));
    const behind = { ...spec({ known_hosts: onlyJump }) };
    const before = await connectError(openTransport(behind, { sshConfigFile: config, homeDir: home, env: {} }));
    expect(before, before).toMatch(/host key .* is not known.*linkdest trust/i);
    // What an admin does: read the offered fingerprint, compare it with the host's own keys, pass it.
    const asked: string[] = [];
    const ask = await trustHost(behind, { interactive: false, confirm: async () => false, out: (l) => asked.push(l), homeDir: home, sshConfigFile: config })
      .then((c) => c, (e: unknown) => e);
    expect(ask).toBeInstanceOf(LinkdestError);
    const offered = /offers \S+ (SHA256:\S+)/.exec(asked.join('\n'))?.[1];
    const own: string[] = [];
    for (const file of (await target.check(['sh', '-c', 'ls /etc/ssh/ssh_host_*_key.pub'])).stdout.split('\n').filter(Boolean)) {
      const pub = join(home, `target_${own.length}.pub`);
      await writeFile(pub, (await target.check(['cat', file])).stdout);
      own.push(sshKeygenFingerprint(pub));
    }
    expect(own).toContain(offered);
    const fingerprint = offered!;
    const said: string[] = [];
    const code = await trustHost(behind, {
      fingerprint, interactive: false, confirm: async () => false, out: (l) => said.push(l), homeDir: home, sshConfigFile: config,
    });
    expect(code, said.join('\n')).toBe(0);
    expect(said.join('\n')).toContain(fingerprint);
    const t = openTransport(behind, { sshConfigFile: config, homeDir: home, env: {} });
    opened.push(t);
    expect((await t.run(['sh', '-c', 'echo $SSH_CONNECTION'])).stdout.split(' ')[0]).toBe(jump.address);
  });
});
