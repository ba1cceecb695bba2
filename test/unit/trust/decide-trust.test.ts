/**
 * The trust rule shared by `linkdest init` and `linkdest trust`, as a table: only an
 * unknown key can be trusted, and only by its exact fingerprint or a person's yes.
 */
import { describe, expect, test } from 'vitest';
import { describeHostKeyProblem } from '../../../provision/transport/host-key-policy.ts';
import { decideTrust, isFingerprint } from '../../../provision/transport/host-key-trust.ts';
import { fingerprintSha256, type HostKeyVerdict } from '../../../provision/transport/known-hosts.ts';
import { hostKeyFile } from '../../../provision/trust.ts';

// An ed25519 public key blob: length-prefixed type name, then a length-prefixed 32-byte key.
const blob = (fill: number): Buffer => {
  const type = Buffer.from('ssh-ed25519');
  const len = (n: number) => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([len(type.length), type, len(32), Buffer.alloc(32, fill)]);
};
const OFFERED = blob(1);
const FP = fingerprintSha256(OFFERED);
const OTHER_FP = fingerprintSha256(blob(2));

const unknown: HostKeyVerdict = { kind: 'unknown', offered: `ssh-ed25519 ${FP}` };
const changed: HostKeyVerdict = { kind: 'changed', offered: FP, expected: [`ssh-ed25519 ${OTHER_FP}`], where: '/k:3' };
const revoked: HostKeyVerdict = { kind: 'revoked', offered: FP, where: '/k:1' };

test.each([
  ['known key, no fingerprint', { kind: 'match' } as HostKeyVerdict, undefined, 'already-trusted'],
  ['known key, even with another fingerprint', { kind: 'match' } as HostKeyVerdict, OTHER_FP, 'already-trusted'],
  ['unknown key, no fingerprint: a person must decide', unknown, undefined, 'ask'],
  ['unknown key, its exact fingerprint', unknown, FP, 'fingerprint-matches'],
  ['unknown key, fingerprint pasted with spaces around', unknown, `  ${FP}\n`, 'fingerprint-matches'],
  ['unknown key, another fingerprint', unknown, OTHER_FP, 'fingerprint-differs'],
  ['unknown key, fingerprint in other case', unknown, FP.toLowerCase(), 'fingerprint-differs'],
  ['unknown key, a prefix of its fingerprint', unknown, FP.slice(0, 30), 'fingerprint-differs'],
  ['changed key, even with its own fingerprint', changed, FP, 'refuse'],
  ['changed key, no fingerprint', changed, undefined, 'refuse'],
  ['revoked key, even with its own fingerprint', revoked, FP, 'refuse'],
])('%s -> %s', (_name, verdict, expected, kind) => {
  expect(decideTrust(verdict, OFFERED, expected).kind).toBe(kind);
});

test.each([
  [FP, true],
  ['SHA256:' + 'A'.repeat(43), true],
  ['SHA256:' + 'A'.repeat(42), false],
  [`${FP}=`, false],
  ['MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', false],
  [FP.replace('SHA256:', 'sha256:'), false],
  ['', false],
])('isFingerprint(%j) = %s', (text, ok) => {
  expect(isFingerprint(text)).toBe(ok);
});

test.each([
  ['ssh-ed25519', '/etc/ssh/ssh_host_ed25519_key.pub'],
  ['ecdsa-sha2-nistp256', '/etc/ssh/ssh_host_ecdsa_key.pub'],
  ['ssh-rsa', '/etc/ssh/ssh_host_rsa_key.pub'],
])('the host key file of %s is %s', (type, file) => {
  expect(hostKeyFile(type)).toBe(file);
});

describe('a changed key tells the user to remove the old line where it is, then trust again', () => {
  const ctx = { host: 'nas.lan', port: 22, files: ['/home/a/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'], inventoryName: 'nas' };
  test.each([
    ['old line in the first file', '/home/a/.ssh/known_hosts:7', '-f /home/a/.ssh/known_hosts'],
    ['old line only in the global file', '/etc/ssh/ssh_known_hosts:2', '-f /etc/ssh/ssh_known_hosts)'],
    ['old lines in both: the first named', '/etc/ssh/ssh_known_hosts:2, /home/a/.ssh/known_hosts:9', '-f /etc/ssh/ssh_known_hosts)'],
  ])('%s', (_name, where, flag) => {
    const msg = describeHostKeyProblem({ ...changed, where }, ctx);
    expect(msg).toContain(`ssh-keygen -R nas.lan ${flag}`);
    expect(msg).toContain('nothing is replaced automatically');
    expect(msg).toMatch(/linkdest trust nas$/);
    expect(msg).not.toContain('\n');
  });
});
