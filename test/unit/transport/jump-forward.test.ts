/**
 * What a user reads when a jump host fails: sshd's channel-open refusals turned into one
 * sentence, and a host-key refusal whose known_hosts line, once added, is exactly what
 * makes the check pass.
 */
import { describe, expect, test } from 'vitest';
import ssh2 from 'ssh2';
import { describeForwardFailure, describeKeyWithLine } from '../../../provision/transport/jump-forward.ts';
import { checkHostKey, fingerprintSha256, knownHostName, parseKnownHosts } from '../../../provision/transport/known-hosts.ts';

/** What ssh2 hands the callback of forwardOut (client.js onChannelOpenFailure). */
function openFailure(reason: number | string, description: string): Error & { reason: unknown } {
  return Object.assign(new Error(`(SSH) Channel open failure: ${description}`), { reason });
}

test.each([
  // sshd with AllowTcpForwarding no, or a destination outside PermitOpen
  [openFailure(1, 'open failed'), 'the jump host bastion refused to forward to 10.0.0.5:22 (AllowTcpForwarding no? PermitOpen?)'],
  [openFailure(1, 'administratively prohibited'), 'the jump host bastion refused to forward to 10.0.0.5:22'],
  // sshd's own connect() to the destination failed
  [openFailure(2, 'Connection refused'), 'the jump host bastion cannot reach 10.0.0.5:22: Connection refused'],
  [openFailure(2, 'No route to host'), 'the jump host bastion cannot reach 10.0.0.5:22: No route to host'],
  // the jump connection closed under the request (ssh2 reports "No response from server")
  [Object.assign(new Error('No response from server'), {}), 'lost the connection to the jump host bastion while opening a channel to 10.0.0.5:22'],
])('%s', (err, want) => {
  expect(describeForwardFailure(err, 'bastion', '10.0.0.5:22')).toContain(want);
});

describe('a host-key refusal for a host behind (or being) a jump', () => {
  const blob = (): Buffer => Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').public.split(' ')[1] ?? '', 'base64');
  const ctx = { host: '10.0.0.1', port: 2222, files: ['/home/ann/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'], inventoryName: 'marte' };
  const name = knownHostName(ctx.host, ctx.port);

  test('unknown: names the fingerprint, and the line it gives makes the key known', () => {
    const key = blob();
    const verdict = checkHostKey([], name, key);
    if (verdict.kind !== 'unknown') throw new Error(verdict.kind);
    const message = describeKeyWithLine(verdict, ctx, key);
    expect(message).toContain(fingerprintSha256(key));
    expect(message).not.toContain('\n');
    const line = /add this line to \/home\/ann\/\.ssh\/known_hosts: (.*)$/.exec(message)?.[1] ?? '';
    expect(line.startsWith('[10.0.0.1]:2222 ssh-ed25519 ')).toBe(true);
    expect(checkHostKey(parseKnownHosts(line, 'kh'), name, key)).toEqual({ kind: 'match' });
  });

  test('changed: says so loudly, where the old line is, and never offers to overwrite it silently', () => {
    const old = blob();
    const offered = blob();
    const verdict = checkHostKey(parseKnownHosts(`[10.0.0.1]:2222 ssh-ed25519 ${old.toString('base64')}`, '/etc/ssh/ssh_known_hosts'), name, offered);
    if (verdict.kind !== 'changed') throw new Error(verdict.kind);
    const message = describeKeyWithLine(verdict, ctx, offered);
    expect(message).toMatch(/^HOST KEY CHANGED for 10\.0\.0\.1:2222/);
    expect(message).toContain(`offered ssh-ed25519 ${fingerprintSha256(offered)}, expected ssh-ed25519 ${fingerprintSha256(old)}`);
    expect(message).toContain("remove the old line (ssh-keygen -R '[10.0.0.1]:2222' -f /etc/ssh/ssh_known_hosts)");
  });
});
