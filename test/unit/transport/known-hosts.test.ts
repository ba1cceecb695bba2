import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeHostKeyProblem, hostKeyAlgorithms } from '../../../provision/transport/host-key-policy.ts';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  knownHostName,
  parseKnownHosts,
  readKnownHosts,
} from '../../../provision/transport/known-hosts.ts';

const dir = mkdtempSync(join(tmpdir(), 'linkdest-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real keys from ssh-keygen: `type base64` and the fingerprint OpenSSH itself prints. */
function makeKey(name: string, type: string): { line: string; blob: Buffer; fp: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', path]);
  const [keyType = '', b64 = ''] = readFileSync(`${path}.pub`, 'utf8').trim().split(' ');
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
  return { line: `${keyType} ${b64}`, blob: Buffer.from(b64, 'base64'), fp };
}

const K1 = makeKey('k1', 'ed25519');
const K2 = makeKey('k2', 'ed25519');
const K3 = makeKey('k3', 'ecdsa');
const RSA = makeKey('rsa', 'rsa');

test.each([K1, K3, RSA])('fingerprint equals ssh-keygen -l (%#)', (k) => {
  expect(fingerprintSha256(k.blob)).toBe(k.fp);
  expect(k.fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
});

test.each([
  ['host1', 22, 'host1'],
  ['Host1.Example.ORG', 22, 'host1.example.org'],
  ['10.0.0.5', 2222, '[10.0.0.5]:2222'],
  ['::1', 2200, '[::1]:2200'],
])('knownHostName(%s, %i) = %s', (host, port, name) => {
  expect(knownHostName(host, port)).toBe(name);
});

/** ssh-keygen -H turns a plain line into the hashed form OpenSSH writes with HashKnownHosts. */
function hashedByOpenssh(plainLine: string): string {
  const file = join(dir, `hash-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `${plainLine}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  return readFileSync(file, 'utf8').trim();
}

describe('checkHostKey', () => {
  test.each([
    ['exact plain entry', `host1 ${K1.line}`, 'host1', 22, K1, 'match'],
    ['comma list', `alpha,host1,beta ${K1.line}`, 'host1', 22, K1, 'match'],
    ['host names compare case-insensitively', `HOST1 ${K1.line}`, 'host1', 22, K1, 'match'],
    ['wildcard', `*.example.org ${K1.line}`, 'nas.example.org', 22, K1, 'match'],
    ['? wildcard', `nas?.lan ${K1.line}`, 'nas2.lan', 22, K1, 'match'],
    ['negated pattern vetoes', `*.example.org,!bad.example.org ${K1.line}`, 'bad.example.org', 22, K1, 'unknown'],
    ['[host]:port form', `[host1]:2222 ${K1.line}`, 'host1', 2222, K1, 'match'],
    ['port entry does not cover port 22', `[host1]:2222 ${K1.line}`, 'host1', 22, K1, 'unknown'],
    ['plain entry does not cover another port', `host1 ${K1.line}`, 'host1', 2222, K1, 'unknown'],
    ['other host only', `host2 ${K1.line}`, 'host1', 22, K1, 'unknown'],
    ['same host, other key of the same type', `host1 ${K2.line}`, 'host1', 22, K1, 'changed'],
    ['several keys, one matches', `host1 ${K3.line}\nhost1 ${K1.line}`, 'host1', 22, K1, 'match'],
    ['only a key of another type known', `host1 ${K3.line}`, 'host1', 22, K1, 'changed'],
    ['revoked wins over a matching line', `@revoked * ${K1.line}\nhost1 ${K1.line}`, 'host1', 22, K1, 'revoked'],
    ['revoked other key does not matter', `@revoked * ${K2.line}\nhost1 ${K1.line}`, 'host1', 22, K1, 'match'],
    ['cert-authority is not a host key', `@cert-authority *.lan ${K1.line}`, 'nas.lan', 22, K1, 'unknown'],
    ['comments and blank lines', `# a comment\n\n   \nhost1 ${K1.line} root@somewhere`, 'host1', 22, K1, 'match'],
    ['malformed lines are skipped', `host1\nhost1 ssh-ed25519 !!!notbase64\nhost1 ${K1.line}`, 'host1', 22, K1, 'match'],
    ['key type must agree with the blob', `host1 ssh-rsa ${K1.line.split(' ')[1]}`, 'host1', 22, K1, 'unknown'],
    ['hashed entry written by ssh-keygen -H', hashedByOpenssh(`host1 ${K1.line}`), 'host1', 22, K1, 'match'],
    ['hashed port entry', hashedByOpenssh(`[host1]:2222 ${K1.line}`), 'host1', 2222, K1, 'match'],
    ['hashed entry of another host', hashedByOpenssh(`host2 ${K1.line}`), 'host1', 22, K1, 'unknown'],
    ['hashed entry, changed key', hashedByOpenssh(`host1 ${K2.line}`), 'host1', 22, K1, 'changed'],
  ])('%s', (_title, text, host, port, offered, kind) => {
    const entries = parseKnownHosts(text, 'kh');
    expect(checkHostKey(entries, knownHostName(host, port), offered.blob).kind).toBe(kind);
  });

  test('a changed key names both fingerprints and where the old one is', () => {
    const entries = parseKnownHosts(`# x\n[nas]:2222 ${K2.line}\n`, '/root/.ssh/known_hosts');
    const verdict = checkHostKey(entries, '[nas]:2222', K1.blob);
    expect(verdict).toEqual({
      kind: 'changed',
      offered: `ssh-ed25519 ${K1.fp}`,
      expected: [`ssh-ed25519 ${K2.fp}`],
      where: '/root/.ssh/known_hosts:2',
    });
  });

  test('cert-authority hosts say why they are unknown', () => {
    const verdict = checkHostKey(parseKnownHosts(`@cert-authority * ${K2.line}`, 'kh'), 'nas', K1.blob);
    expect(verdict.kind === 'unknown' && verdict.note).toMatch(/cert-authority.*not supported/);
  });
});

describe('refusal messages', () => {
  const ctx = { host: '10.0.0.5', port: 2222, files: ['/root/.ssh/known_hosts'], inventoryName: 'nas' };
  test('unknown: one line with the fingerprint and how to accept it', () => {
    const msg = describeHostKeyProblem({ kind: 'unknown', offered: `ssh-ed25519 ${K1.fp}` }, ctx);
    expect(msg).not.toContain('\n');
    expect(msg).toContain(K1.fp);
    expect(msg).toContain('ssh-keyscan -H -p 2222 10.0.0.5 >> /root/.ssh/known_hosts');
    expect(msg).toContain('linkdest trust nas');
  });
  test('changed: both fingerprints and a man-in-the-middle warning', () => {
    const msg = describeHostKeyProblem({ kind: 'changed', offered: K1.fp, expected: [K2.fp], where: 'kh:3' }, ctx);
    expect(msg).not.toContain('\n');
    expect(msg).toContain(K1.fp);
    expect(msg).toContain(K2.fp);
    expect(msg).toMatch(/MAN-IN-THE-MIDDLE/);
    expect(msg).toContain("ssh-keygen -R '[10.0.0.5]:2222'");
  });
});

test.each([
  ['no entry: ssh2 default order', '', ['ssh-ed25519', 'ecdsa-sha2-nistp256']],
  ['known rsa key asked for first', `nas ${RSA.line}`, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']],
  ['known ecdsa key asked for first', `nas ${K3.line}`, ['ecdsa-sha2-nistp256', 'ssh-ed25519']],
])('host key algorithms: %s', (_t, text, start) => {
  const algos = hostKeyAlgorithms(parseKnownHosts(text, 'kh'), 'nas');
  expect(algos.slice(0, start.length)).toEqual(start);
  expect(new Set(algos).size).toBe(algos.length);
});

describe('appendKnownHost', () => {
  test('hashed line that OpenSSH finds (ssh-keygen -F) and we match', async () => {
    const file = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(file, '127.0.0.9', 2222, K1.blob);
    await appendKnownHost(file, 'nas', 22, K3.blob);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.0.9');
    expect(text.trim().split('\n')).toHaveLength(2);
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.9]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(K1.line.split(' ')[1]);
    const entries = await readKnownHosts([file, join(dir, 'missing')]);
    expect(checkHostKey(entries, '[127.0.0.9]:2222', K1.blob).kind).toBe('match');
    expect(checkHostKey(entries, 'nas', K3.blob).kind).toBe('match');
  });

  test('plain line, appended after a file without a final newline', async () => {
    const file = join(dir, 'plain_known_hosts');
    writeFileSync(file, `host2 ${K2.line}`);
    await appendKnownHost(file, 'host1', 22, K1.blob, { hash: false });
    expect(readFileSync(file, 'utf8')).toBe(`host2 ${K2.line}\nhost1 ${K1.line}\n`);
  });

  test('formatKnownHostsLine writes the port form', () => {
    expect(formatKnownHostsLine('Nas', 2200, K1.blob, { hash: false })).toBe(`[nas]:2200 ${K1.line}`);
  });
});
