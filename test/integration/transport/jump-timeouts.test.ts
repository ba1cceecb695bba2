/**
 * Each hop has its own handshake timeout, against a real sshd on loopback and a listener
 * that accepts TCP but never speaks SSH: a silent jump host is named as the jump; a silent
 * target behind a working jump is named as the target, and the jump's connection is gone.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LinkdestError } from '../../../runtime/errors.ts';
import { SshTransport } from '../../../provision/transport/ssh.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { type LoopbackSshd, startLoopbackSshd } from './loopback-sshd.ts';

const canRun = isRoot && hasCommand('/usr/sbin/sshd') && hasCommand('ssh-keygen') && hasCommand('ss');
const why = canRun ? '' : isRoot ? ' (needs openssh-server, ssh-keygen and ss: skipped)' : rootNote();

describe.skipIf(!canRun)(`jump host timeouts, per hop${why}`, () => {
  let sshd: LoopbackSshd;
  let silent: Server;
  let silentPort = 0;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent?.close(r));
    await sshd?.stop();
  });

  const realJump = () => ({
    name: 'bastion', host: sshd.address, port: sshd.port, user: 'root',
    identityFiles: [{ path: sshd.clientKey, required: true }], knownHostsFiles: [sshd.knownHosts],
  });

  async function failure(t: SshTransport): Promise<string> {
    const err = await t.connect().then(() => undefined, (e: unknown) => e);
    await t.close();
    expect(err).toBeInstanceOf(LinkdestError);
    return (err as LinkdestError).oneLine();
  }

  test('a jump host that never answers the handshake is named, with its own timeout', async () => {
    const t = new SshTransport({
      name: 'marte', host: sshd.address, port: sshd.port, user: 'root', identityFiles: [], knownHostsFiles: [sshd.knownHosts],
      become: false, readyTimeoutMs: 1000,
      jumps: [{ ...realJump(), name: 'silent', host: '127.0.0.1', port: silentPort }],
    });
    expect(await failure(t)).toBe(`marte: connect: jump host silent (127.0.0.1:${silentPort}): no SSH handshake within 1 s`);
  });

  test('a silent target behind a working jump times out as the target, and the jump connection is closed', async () => {
    const before = await sshd.acceptedConnections();
    const t = new SshTransport({
      name: 'marte', host: '127.0.0.1', port: silentPort, user: 'root', identityFiles: [], knownHostsFiles: [sshd.knownHosts],
      become: false, readyTimeoutMs: 1000, jumps: [realJump()],
    });
    expect(await failure(t)).toBe(`marte: connect: no SSH handshake with 127.0.0.1:${silentPort} within 1 s`);
    expect(await sshd.acceptedConnections()).toBe(before + 1); // the jump itself was reached and logged in
    const open = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${sshd.port} )`], { encoding: 'utf8' }).trim();
    expect(open).toBe('');
  });
});
