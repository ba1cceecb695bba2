/**
 * The real `linkdest init` binary on a pty, choosing an iSCSI LUN: a tgtd "QNAP" on the
 * test bed's bridge, discovery run on a booted test-bed host over SSH (iscsiadm for the
 * targets, libiscsi for LUNs and sizes), a CHAP target whose password is checked on the
 * NAS before anything is written. The run stops before apply (--no-apply): this kernel
 * has no iSCSI initiator, so the host cannot log in to the LUN; kernel-standin.ts stands
 * in for the transport class so discovery itself runs for real. The QEMU suite in test/vm
 * proves the login, the mount and the backup.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { parse } from 'yaml';
import { loadInventory } from '../../../inventory/load.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { repoRoot } from '../../unit/fleet/run-cli.ts';
import { startFakeQnap, type FakeQnap } from '../iscsi/fake-qnap.ts';
import { installKernelStandin } from '../iscsi/kernel-standin.ts';
import { installLibiscsiBin } from '../iscsi/libiscsi-debs.ts';
import { KEY, runOnPty } from './pty.ts';

const bin = join(repoRoot, 'bin/linkdest.mjs');
const BACKUP = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const SECURE = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.secure.a1b2c3';
const CHAP = { user: 'backupuser', password: `chap-${process.pid}-Right` };
const WRONG = `chap-${process.pid}-Wrong`;
const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SMALL = ['--keep-min', '2', '--min-free-before', '1M', '--min-free-after', '1M', '--min-inodes-before', '10', '--min-inodes-after', '10'];
const ready = isRoot && hasCommand('tgtd') && hasCommand('systemd-nspawn') && hasCommand('python3') && existsSync(bin);

/**
 * The image masks iscsid, which cannot run in this kernel, and the plan rightly refuses a
 * masked iscsid (a NAS user's host has it unmasked). Unmasked as is, iscsiadm would
 * socket-activate an iscsid that dies at once and fail discovery ("daemon died?"); its
 * socket listens elsewhere instead, so iscsiadm finds no daemon and discovers by itself,
 * as it does when iscsid is masked.
 */
async function unmaskIscsidInertly(host: TestHost): Promise<void> {
  await host.check(['sh', '-c', `systemctl unmask iscsid.socket iscsid.service
mkdir -p /etc/systemd/system/iscsid.socket.d
printf '[Socket]\\nListenStream=\\nListenStream=@linkdest-test-no-iscsid\\n' >/etc/systemd/system/iscsid.socket.d/linkdest-test.conf
systemctl daemon-reload`]);
}

describe.skipIf(!ready)(`linkdest init with an iSCSI LUN on a tgtd "QNAP", up to the plan${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let nas: FakeQnap;
  let work: string;
  let fingerprint: string;
  const flags = (dir: string) => ['-i', join(dir, 'linkdest.yml'), '--host', host.address, '--name', 'h1', '--user', 'root', '--port', '22', '--identity', bed.identity, '--jump', '', '--no-webhook',
    '--host-key-fingerprint', fingerprint, '--target', 'iscsi', '--source', '/srv', '--time', '03:00', ...SMALL,
    '--mail-to', '', '--healthcheck-url', '', '--no-apply'];
  /** Every file init left in `dir`, with its text. */
  const files = async (dir: string) => Promise.all((await readdir(dir)).map(async (f) => ({ f, text: await readFile(join(dir, f), 'utf8') })));

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'linkdest-init-iscsi-'));
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    nas = await startFakeQnap(bed.gateway, 3260, [
      { iqn: SECURE, sizeBytes: 32 * 2 ** 20, chap: CHAP },
      { iqn: BACKUP, sizeBytes: 64 * 2 ** 20 },
    ]);
    await installKernelStandin(host, 'iqn.2004-10.com.linkdest:init-e2e');
    await installLibiscsiBin(host);
    await unmaskIscsidInertly(host);
    const pub = join(bed.dir, host.name, 'ssh_host_ed25519_key.pub');
    fingerprint = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;
  }, 600_000);

  afterAll(async () => {
    await nas?.stop();
    await bed?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  test('targets listed by QNAP name; the CHAP target asks for credentials, a wrong password is refused by the NAS, the right one lands in a 0600 file', async () => {
    const dir = join(work, 'pty');
    await mkdir(dir);
    const r = await runOnPty(['node', bin, 'init', ...flags(dir)], [
      { expect: 'Address of the NAS', send: `${bed.gateway}${KEY.enter}` },
      // Listed in name order whatever order tgtd answers in: backuprbme, then secure.
      { expect: 'Which target\\?', send: `${KEY.down}${KEY.enter}` },
      { expect: 'Does this target need CHAP credentials\\? \\(Y/n\\)', send: KEY.enter },
      { expect: 'CHAP user name', send: `${CHAP.user}${KEY.enter}` },
      { expect: 'CHAP password', send: `${WRONG}${KEY.enter}` },
      { expect: 'The CHAP login failed. What now\\?', send: KEY.enter },
      { expect: 'CHAP user name', send: KEY.enter },
      { expect: 'CHAP password', send: `${CHAP.password}${KEY.enter}` },
      { expect: 'Which LUN\\?', send: KEY.enter },
      { expect: 'Filesystem for the backup disk', send: KEY.enter },
      { expect: 'Write ', send: KEY.enter },
    ], { cwd: dir, env: { NO_COLOR: '1' }, timeoutS: 240 });
    const tail = r.transcript.slice(-4000);
    expect(r.failed, tail).toBeNull();
    expect(r.code, tail).toBe(0);
    // iscsi-ls gives up at the first target refusing its login, so the open target's LUN is
    // listed only when tgtd announces it first (it usually does); the CHAP one never is.
    expect(r.transcript).toMatch(new RegExp(`QNAP ts-569pro, target "backuprbme" \\(id d70ea1\\)(: LUN 1 64\\.0 MiB)?\\s+${re(BACKUP)}`));
    expect(r.transcript).toMatch(new RegExp(`QNAP ts-569pro, target "secure" \\(id a1b2c3\\) \\[needs CHAP\\]\\s+${re(SECURE)}`));
    expect(r.transcript).toContain(`${nas.portal} rejected the CHAP user/password for target ${SECURE}`);
    expect(r.transcript).toContain('The NAS accepted the CHAP login.');
    // The LUN question comes from the discovery with the right password: LUN 1 and its size.
    expect(r.transcript).toMatch(/Which LUN\?[^]*LUN 1 \(32\.0 MiB\)/);
    expect(r.transcript).toMatch(/h1: \d+ to change/);
    expect(r.transcript).toContain('Not applied; h1 was not changed.');
    expect(r.transcript).toContain('VMs: virsh is not installed on the host, so there are no libvirt VMs to shut down during the backup');
    // Typed passwords are masked on the terminal.
    expect(r.transcript).not.toContain(WRONG);
    expect(r.transcript).not.toContain(CHAP.password);

    const text = await readFile(join(dir, 'linkdest.yml'), 'utf8');
    expect(parse(text).hosts.h1.disk).toEqual({
      iscsi: { portal: bed.gateway, target: SECURE, lun: 1, chap: { user: CHAP.user, password_file: './h1.chap-secret' } },
    });
    const { hosts } = await loadInventory(join(dir, 'linkdest.yml'));
    expect(hosts[0]!.disk!.target).toMatchObject({ kind: 'iscsi', portals: [{ address: bed.gateway, port: 3260 }], target: SECURE, lun: 1, chap: { user: CHAP.user } });
    const secret = join(dir, 'h1.chap-secret');
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    expect(await readFile(secret, 'utf8')).toBe(`${CHAP.password}\n`);
    for (const { f, text: t } of await files(dir)) {
      expect(t, f).not.toContain(WRONG);
      if (f !== 'h1.chap-secret') expect(t, f).not.toContain(CHAP.password);
    }
    // Discovery is read-only on the host, and --no-apply left it untouched.
    expect((await host.exec(['iscsiadm', '-m', 'node'])).code).toBe(21);
    expect((await host.exec(['test', '-e', '/etc/linkdest/linkdest.json'])).code).not.toBe(0);
  }, 600_000);

  test('--yes with CHAP credentials the NAS refuses: one line naming the flags, nothing written', async () => {
    const dir = join(work, 'yes-wrong');
    await mkdir(dir);
    const pwFile = join(work, 'wrong-chap');
    await writeFile(pwFile, `${WRONG}\n`, { mode: 0o600 });
    const r = await execa('node', [bin, 'init', '--yes', ...flags(dir), '--iscsi-portal', bed.gateway, '--iscsi-target', SECURE,
      '--chap-user', CHAP.user, '--chap-password-file', pwFile], { reject: false, cwd: dir, input: '', env: { NO_COLOR: '1' }, timeout: 300_000 });
    expect(r.exitCode, r.stderr).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toContain(`${nas.portal} rejected the CHAP user/password for target ${SECURE}`);
    expect(last).toContain('(--chap-user, --chap-password-file)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(`${r.stdout}${r.stderr}`).not.toContain(WRONG);
    expect(await readdir(dir)).toEqual([]);
  }, 300_000);
});
