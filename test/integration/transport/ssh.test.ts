import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import { SshTransport, type SshTransportOptions } from '../../../provision/transport/ssh.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { transportBehaviours } from './behaviours.ts';
import { type LoopbackSshd, sshKeygenFingerprint, startLoopbackSshd } from './loopback-sshd.ts';

const canRun = isRoot && hasCommand('/usr/sbin/sshd') && hasCommand('ssh-keygen');

const why = canRun ? '' : isRoot ? ' (needs openssh-server and ssh-keygen: skipped)' : rootNote();

describe.skipIf(!canRun)(`SshTransport against a real sshd on loopback${why}`, () => {
  let sshd: LoopbackSshd;
  let transport: SshTransport;
  let scratch: string;
  const opened: SshTransport[] = [];

  function ssh(overrides: Partial<SshTransportOptions> = {}): SshTransport {
    const t = new SshTransport({
      name: 'testhost',
      host: sshd.address,
      port: sshd.port,
      user: 'root',
      identityFiles: [{ path: sshd.clientKey, required: true }],
      knownHostsFiles: [sshd.knownHosts],
      become: false,
      ...overrides,
    });
    opened.push(t);
    return t;
  }

  async function connectError(t: SshTransport): Promise<LinkdestError> {
    const err = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LinkdestError);
    const e = err as LinkdestError;
    expect(e.host).toBe('testhost');
    expect(e.step).toBe('connect');
    expect(e.oneLine()).not.toContain('\n');
    return e;
  }

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    scratch = mkdtempSync(join(tmpdir(), 'linkdest-ssh-scratch-'));
    transport = ssh();
    await transport.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(opened.map((t) => t.close()));
    await sshd?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  transportBehaviours(() => ({ transport, scratch }));

  test('every command and file transfer shares ONE connection (sshd logs one accepted login)', async () => {
    const before = await sshd.acceptedConnections();
    const t = ssh();
    await Promise.all(Array.from({ length: 12 }, (_, i) => t.run(['echo', String(i)])));
    for (let i = 0; i < 8; i++) await t.run(['true']);
    await t.putFile(join(scratch, 'one-conn'), 'x', { mode: 0o644 });
    expect((await t.getFile(join(scratch, 'one-conn')))?.toString()).toBe('x');
    await t.close();
    expect(t.history).toHaveLength(22);
    expect((await sshd.acceptedConnections()) - before).toBe(1);
  });

  test('a connection lost mid-command fails that command clearly; the next command reconnects', async () => {
    const t = ssh();
    await t.connect();
    const before = await sshd.acceptedConnections();
    // Kill this session's own sshd process: the connection drops under the running command.
    const err = await t.run(['sh', '-c', 'kill -KILL $PPID; sleep 5']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LinkdestError);
    expect((err as LinkdestError).oneLine()).toBe('testhost: sh: connection lost while running the command');
    expect((await t.run(['echo', 'back'])).stdout).toBe('back\n');
    expect((await sshd.acceptedConnections()) - before).toBe(1);
  });

  test('an unknown host key is refused with its fingerprint and how to accept it', async () => {
    const empty = join(sshd.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const t = ssh({ knownHostsFiles: [empty] });
    const e = await connectError(t);
    expect(e.message).toContain(sshd.hostKeyFingerprint);
    expect(e.message).toContain(`ssh-keyscan -H -p ${sshd.port} ${sshd.address} >> ${empty}`);
    expect(t.offeredHostKey?.equals(sshd.hostKeyBlob)).toBe(true);
    await expect(t.run(['true'])).rejects.toThrow(/not known/);
    expect(t.history.every((r) => r.code === -1)).toBe(true); // nothing ran on the host
  });

  test('a changed host key is refused naming both fingerprints', async () => {
    const other = join(sshd.dir, 'impostor');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const kh = join(sshd.dir, 'stale_known_hosts');
    writeFileSync(kh, `[${sshd.address}]:${sshd.port} ${readFileSync(`${other}.pub`, 'utf8')}`);
    const e = await connectError(ssh({ knownHostsFiles: [kh] }));
    expect(e.message).toContain(sshd.hostKeyFingerprint);
    expect(e.message).toContain(sshKeygenFingerprint(`${other}.pub`));
    expect(e.message).toMatch(/MAN-IN-THE-MIDDLE/);
  });

  test('a revoked host key is refused even when also listed as trusted', async () => {
    const kh = join(sshd.dir, 'revoked_known_hosts');
    writeFileSync(kh, `@revoked * ${readFileSync(`${sshd.dir}/host_ed25519.pub`, 'utf8')}${readFileSync(sshd.knownHosts, 'utf8')}`);
    expect((await connectError(ssh({ knownHostsFiles: [kh] }))).message).toMatch(/@revoked/);
  });

  test('connection refused is a one-line connect error', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, sshd.address, () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const e = await connectError(ssh({ port }));
    expect(e.message).toBe(`connection refused by ${sshd.address}:${port}`);
  });

  test('a server that never speaks SSH times out as a one-line connect error', async () => {
    const silent = createServer(() => {}); // accepts the TCP connection, then says nothing
    await new Promise<void>((resolve) => silent.listen(0, sshd.address, resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const e = await connectError(ssh({ port, readyTimeoutMs: 500 }));
      expect(e.message).toBe(`no SSH handshake with ${sshd.address}:${port} within 0.5 s`);
    } finally {
      silent.close();
    }
  });

  test('a key the server does not accept fails authentication clearly', async () => {
    const stranger = join(sshd.dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const e = await connectError(ssh({ identityFiles: [{ path: stranger, required: true }] }));
    expect(e.message).toBe(`authentication failed for root@${sshd.address}:${sshd.port} (tried identity ${stranger})`);
  });

  test('a missing identity file named in the inventory is an error, not skipped', async () => {
    const e = await connectError(ssh({ identityFiles: [{ path: join(sshd.dir, 'nope'), required: true }] }));
    expect(e.message).toBe(`identity file ${join(sshd.dir, 'nope')}: not found`);
  });

  test('an encrypted identity file without an agent says to use ssh-agent', async () => {
    const locked = join(sshd.dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'passphrase', '-f', locked]);
    const e = await connectError(ssh({ identityFiles: [{ path: locked, required: true }] }));
    expect(e.message).toBe(`identity file ${locked} is encrypted: load it into ssh-agent (ssh-add) instead`);
  });

  test('openTransport reaches the host through an ~/.ssh/config alias', async () => {
    const home = mkdtempSync(join(tmpdir(), 'linkdest-home-'));
    try {
      const config = join(home, 'ssh_config');
      writeFileSync(
        config,
        `Host backupbox\n  HostName ${sshd.address}\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${sshd.knownHosts}\n`,
      );
      const spec = { name: 'testhost', connection: 'ssh', ssh: { host: 'backupbox' }, become: true, origin: 't' } as HostSpec;
      const t = openTransport(spec, { sshConfigFile: config, homeDir: home, env: {} });
      try {
        expect((await t.run(['id', '-u'])).stdout).toBe('0\n'); // root: no sudo prefix
      } finally {
        await t.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
