/**
 * `linkdest trust NAME` (the built binary) against a real sshd on loopback: the offered key
 * is shown and written, hashed, only when the user vouched for it (the exact fingerprint,
 * or "y" typed at a terminal); a wrong fingerprint, a missing confirmation, a changed key
 * are refused and leave known_hosts as it was; a known key is left alone. OpenSSH's own
 * `ssh-keygen -F` then finds the line, and `linkdest plan` connects with it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasCommand, isRoot } from '../../support/needs.ts';
import { Workdir, repoRoot, runCli, suiteTitle } from '../provision-e2e/bed.ts';
import { cliUnavailable } from '../../unit/fleet/run-cli.ts';
import { type LoopbackSshd, startLoopbackSshd } from '../transport/loopback-sshd.ts';

function unavailable(): string | undefined {
  if (!isRoot) return 'needs root';
  if (!hasCommand('/usr/sbin/sshd') || !hasCommand('ssh-keygen') || !hasCommand('script')) return 'needs sshd, ssh-keygen and script';
  const cli = cliUnavailable();
  if (cli !== undefined) return cli;
  try {
    execFileSync('node', [join(repoRoot, 'bin/linkdest.mjs'), 'trust', '--help'], { stdio: 'ignore' });
  } catch {
    return 'trust not registered in provision/commands/index.ts (or not built)';
  }
  return undefined;
}
const reason = unavailable();

describe.skipIf(reason !== undefined)(suiteTitle('linkdest trust against a real sshd', reason), () => {
  let sshd: LoopbackSshd;
  let work: Workdir;
  let otherKeyLine = '';
  let otherFingerprint = '';
  let n = 0;

  /** A fresh inventory naming host `box` with its own known_hosts file (not created yet). */
  async function setup(): Promise<{ inv: string; kh: string }> {
    n += 1;
    const kh = join(work.dir, `known_hosts-${n}`);
    const inv = await work.inventory({
      hosts: {
        box: {
          ssh: { host: sshd.address, port: sshd.port, user: 'root', identity: sshd.clientKey, known_hosts: kh },
          mountpoint: `/tmp/linkdest-trust-never-${n}`,
          sources: ['/srv/nothing'],
        },
      },
    }, `linkdest-${n}.yml`);
    return { inv, kh };
  }

  const content = async (file: string): Promise<string | undefined> => (existsSync(file) ? readFile(file, 'utf8') : undefined);

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    work = await Workdir.create('trust');
    const other = join(work.dir, 'other_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    otherKeyLine = (await readFile(`${other}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    otherFingerprint = execFileSync('ssh-keygen', ['-lf', `${other}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  });

  afterAll(async () => {
    await sshd?.stop();
    await work?.remove();
  });

  test('unknown key, the right --fingerprint: a hashed line OpenSSH finds; no login was attempted; plan connects', async () => {
    const { inv, kh } = await setup();
    const logins = await sshd.acceptedConnections();
    const r = await runCli(['trust', 'box', '-i', inv, '--fingerprint', sshd.hostKeyFingerprint]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`offers ssh-ed25519 ${sshd.hostKeyFingerprint}`);
    expect(r.stdout).toContain(`added to ${kh}`);
    const lines = (await content(kh))!.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\|1\|/); // hashed: the file does not list the hosts it knows
    expect(lines[0]).not.toContain(sshd.address);
    const found = execFileSync('ssh-keygen', ['-F', `[${sshd.address}]:${sshd.port}`, '-f', kh], { encoding: 'utf8' });
    expect(found).toContain('ssh-ed25519');
    expect(await sshd.acceptedConnections()).toBe(logins);

    const plan = await runCli(['plan', '-i', inv]);
    // Connected and planned from the host's facts: with no disk: and nothing mounted at the
    // mount point, the plan refuses to put a marker on the root filesystem (a fact only the
    // host can tell), rather than failing to connect.
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toContain(`box: failed at marker: `);
    expect(plan.stdout).toContain(`nothing is mounted at /tmp/linkdest-trust-never-${n}`);
    expect(await sshd.acceptedConnections()).toBeGreaterThan(logins);
  });

  test('a wrong --fingerprint is refused: exit 1, both fingerprints named, nothing written', async () => {
    const { inv, kh } = await setup();
    const r = await runCli(['trust', 'box', '-i', inv, '--fingerprint', otherFingerprint, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^linkdest: box: trust: the host offers SHA256:\S+, not the --fingerprint given/);
    expect(r.stderr).toContain(sshd.hostKeyFingerprint);
    expect(r.stderr).toContain(otherFingerprint);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await content(kh)).toBeUndefined();
  });

  test.each([
    ['no confirmation at all', [], 'stdin is not a terminal'],
    ['--yes alone', ['--yes'], '--yes alone does not say which key to trust'],
  ])('not a terminal, %s: refused with exit 2 and the command to run', async (_name, extra, why) => {
    const { inv, kh } = await setup();
    const r = await runCli(['trust', 'box', '-i', inv, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stderr).toContain(`linkdest trust box --fingerprint ${sshd.hostKeyFingerprint}`);
    expect(r.stdout).toContain(sshd.hostKeyFingerprint);
    expect(await content(kh)).toBeUndefined();
  });

  test('a malformed --fingerprint or an unknown host name is a usage error', async () => {
    const { inv } = await setup();
    const bad = await runCli(['trust', 'box', '-i', inv, '--fingerprint', sshd.hostKeyFingerprint.slice(0, 20)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('as `ssh-keygen -lf` prints it');
    const unknown = await runCli(['trust', 'nosuch', '-i', inv]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no host "nosuch"');
    expect(unknown.stderr).toContain('hosts: box');
  });

  test('a host that does not answer: exit 1, one line from the transport, nothing written', async () => {
    const kh = join(work.dir, 'known_hosts-refused');
    const inv = await work.inventory({
      hosts: { box: { ssh: { host: sshd.address, port: 1, user: 'root', known_hosts: kh }, sources: ['/srv/nothing'] } },
    }, 'linkdest-refused.yml');
    const r = await runCli(['trust', 'box', '-i', inv]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`linkdest: box: connect: connection refused by ${sshd.address}:1`);
    expect(await content(kh)).toBeUndefined();
  });

  test('a key already trusted: exit 0, says where, file byte for byte unchanged', async () => {
    const { inv, kh } = await setup();
    const before = `# kept\n${await readFile(sshd.knownHosts, 'utf8')}`;
    await writeFile(kh, before);
    const r = await runCli(['trust', 'box', '-i', inv, '--fingerprint', sshd.hostKeyFingerprint]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`already trusted (${kh}:2); nothing changed`);
    expect(await content(kh)).toBe(before);
  });

  test('a CHANGED key is refused even with its fingerprint: ssh-keygen -R named, file unchanged', async () => {
    const { inv, kh } = await setup();
    const before = `[${sshd.address}]:${sshd.port} ${otherKeyLine}\n`;
    await writeFile(kh, before);
    const r = await runCli(['trust', 'box', '-i', inv, '--fingerprint', sshd.hostKeyFingerprint, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HOST KEY CHANGED');
    expect(r.stderr).toContain(`expected ssh-ed25519 ${otherFingerprint}`);
    expect(r.stderr).toContain(`ssh-keygen -R '[${sshd.address}]:${sshd.port}' -f ${kh}`);
    expect(r.stderr).toContain('linkdest trust box');
    expect(await content(kh)).toBe(before);
  });

  test.each([
    ['"y" adds the key', 'y', 0],
    ['"n" writes nothing', 'n', 1],
  ])('at a terminal, %s', async (_name, answer, code) => {
    const { inv, kh } = await setup();
    // `script` gives the CLI a real pseudo-terminal, so the prompt itself reads the answer.
    const cmd = `node ${join(repoRoot, 'bin/linkdest.mjs')} trust box -i ${inv}`;
    const r = await execa('script', ['-qec', cmd, '/dev/null'], { input: `${answer}\n`, reject: false, timeout: 60_000 });
    expect(r.stdout).toContain(sshd.hostKeyFingerprint);
    expect(r.stdout).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(r.exitCode, r.stdout).toBe(code);
    if (code === 0) expect(execFileSync('ssh-keygen', ['-F', `[${sshd.address}]:${sshd.port}`, '-f', kh], { encoding: 'utf8' })).toContain('ssh-ed25519');
    else expect(await content(kh)).toBeUndefined();
  });
});
