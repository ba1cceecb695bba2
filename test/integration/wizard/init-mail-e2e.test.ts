/**
 * The real `linkdest init` binary on a pty, at the reports step, against a real SMTP
 * server requiring AUTH: a wrong password fails the test mail in one line, the settings
 * are asked again with the answers as defaults, the right password gets the test mail
 * delivered. Passwords are never shown and end up only in the 0600 secret file. The host
 * (a booted test bed host, no libvirt) also shows the VM step skipped with its reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, startSmtp, type SmtpServer, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { repoRoot } from '../../unit/fleet/run-cli.ts';
import { KEY, runOnPty } from './pty.ts';

const bin = join(repoRoot, 'bin/linkdest.mjs');
const USER = 'backup';
const RIGHT = `smtp-${process.pid}-Right`;
const WRONG = `smtp-${process.pid}-Wrong`;
const SMALL = ['--keep-min', '2', '--min-free-before', '1M', '--min-free-after', '1M', '--min-inodes-before', '10', '--min-inodes-after', '10'];
const ready = isRoot && hasCommand('systemd-nspawn') && hasCommand('python3') && existsSync(bin);

describe.skipIf(!ready)(`linkdest init: the test mail through a real SMTP server with AUTH${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let smtp: SmtpServer;
  let dir: string;
  let fingerprint: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'linkdest-init-mail-'));
    smtp = await startSmtp({ auth: { user: USER, pass: RIGHT } });
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    disk = await host.attachDisk(64 * 1024 * 1024);
    const pub = join(bed.dir, host.name, 'ssh_host_ed25519_key.pub');
    fingerprint = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;
  }, 300_000);

  afterAll(async () => {
    await bed?.stop();
    await smtp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  test('wrong password: one line, settings asked again; right password: the mail arrives; passwords stay secret', async () => {
    const r = await runOnPty(['node', bin, 'init', '-i', join(dir, 'linkdest.yml'), '--host', host.address, '--name', 'h1', '--user', 'root',
      '--port', '22', '--identity', bed.identity, '--jump', '', '--no-webhook', '--host-key-fingerprint', fingerprint, '--disk', disk.device, '--filesystem', 'ext4',
      '--source', '/srv', '--time', '03:00', ...SMALL, '--healthcheck-url', '', '--no-apply'], [
      { expect: 'Mail the backup reports to', send: `admin@example.org${KEY.enter}` },
      { expect: 'Sender address', send: KEY.enter },
      { expect: 'SMTP server', send: `127.0.0.1${KEY.enter}` },
      { expect: 'Connection security', send: `${KEY.down}${KEY.down}${KEY.enter}` },
      { expect: 'SMTP port', send: `${smtp.port}${KEY.enter}` },
      { expect: 'SMTP user', send: `${USER}${KEY.enter}` },
      { expect: 'SMTP password', send: `${WRONG}${KEY.enter}` },
      { expect: 'Send a test mail', send: KEY.enter },
      { expect: 'The test mail failed. What now\\?', send: `${KEY.up}${KEY.enter}` },
      // Round two: every answer so far is the default.
      { expect: 'Mail the backup reports to', send: KEY.enter },
      { expect: 'Sender address', send: KEY.enter },
      { expect: 'SMTP server', send: KEY.enter },
      { expect: 'Connection security', send: KEY.enter },
      { expect: 'SMTP port', send: KEY.enter },
      { expect: 'SMTP user', send: KEY.enter },
      { expect: 'SMTP password', send: `${RIGHT}${KEY.enter}` },
      { expect: 'Send a test mail', send: KEY.enter },
      { expect: 'Write ', send: KEY.enter },
    ], { cwd: dir, env: { NO_COLOR: '1' }, timeoutS: 240 });
    const tail = r.transcript.slice(-4000);
    expect(r.failed, tail).toBeNull();
    expect(r.code, tail).toBe(0);

    const failures = r.transcript.split(/\r?\n/).filter((l) => l.includes('Test mail failed'));
    expect(failures).toEqual([expect.stringMatching(/^Test mail failed: Invalid login: 535 .*Invalid username or password$/)]);
    expect(r.transcript).toContain(`Test mail accepted by 127.0.0.1:${smtp.port}; check the inbox of admin@example.org.`);
    expect(r.transcript).toContain('VMs: virsh is not installed on the host, so there are no libvirt VMs to shut down during the backup');
    expect(r.transcript).toContain('Not applied; h1 was not changed.');

    const m = await smtp.waitFor((x) => x.subject === 'linkdest: test mail for h1');
    expect(smtp.messages).toHaveLength(1);
    expect(m).toMatchObject({ user: USER, from: 'linkdest@h1', to: ['admin@example.org'] });
    expect(m.text).toContain(`sent through 127.0.0.1:${smtp.port} as ${USER}`);
    expect(m.text).toContain('h1 mails a report to admin@example.org after every backup, from linkdest@h1');

    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.h1.report).toEqual({
      mail: { to: ['admin@example.org'], from: 'linkdest@h1', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', user: USER, password_file: './h1.smtp-secret' } },
    });
    const secret = join(dir, 'h1.smtp-secret');
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    expect(await readFile(secret, 'utf8')).toBe(`${RIGHT}\n`);
    expect(r.transcript).not.toContain(WRONG);
    expect(r.transcript).not.toContain(RIGHT);
    expect(m.raw).not.toContain(RIGHT);
    for (const f of await readdir(dir)) {
      const text = await readFile(join(dir, f), 'utf8');
      expect(text, f).not.toContain(WRONG);
      if (f !== 'h1.smtp-secret') expect(text, f).not.toContain(RIGHT);
    }
    expect((await host.exec(['test', '-e', '/etc/linkdest/linkdest.json'])).code).not.toBe(0);
  }, 300_000);
});
