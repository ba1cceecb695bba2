/**
 * The whole iSCSI story on a real kernel: `linkdest apply` over SSH provisions a QEMU guest
 * whose backup disk is a LUN on a tgtd "QNAP", the service takes a snapshot, and after a
 * reboot the session, the automount and the timer come back with no ordering cycle (the
 * boot-hang class of bug), a second plan finds nothing to do, and a run after a logout
 * logs in again by itself. Then CHAP is turned on at the NAS under the live session, and
 * later its password changed on both sides: each apply writes the node record and logs out
 * and in again with the new credentials, and the password is never in linkdest's output or
 * anywhere on the guest but open-iscsi's node record. The second change first meets a busy
 * backup disk: apply refuses the re-login, and the next plan still offers it.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { run } from '../testbed/run.ts';
import { ensureVmImage } from './image.ts';
import { startNas, type ChapAccount, type Nas } from './nas.ts';
import { bootGuest, type Guest } from './qemu.ts';
import { vmSkipReason } from './skip.ts';
import { TMP_PREFIX } from './stale.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO, 'bin/linkdest.mjs');
const SNAPSHOT_NAME = /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/;
/** `tcp: [SID] PORTAL,TPGT TARGET (non-flash)` */
const SESSION_LINE = /^\w+: \[(\d+)\] (\S+),\d+ (\S+)/;
const DISK_TROUBLE = /I\/O error|device offline|Aborting journal|EXT4-fs error|Remounting filesystem read-only/;

/** `npm test` builds before it runs the tests; run alone, build first. */
function productSkipReason(): string | undefined {
  return existsSync(join(REPO, 'dist/linkdest.mjs')) ? undefined : 'dist/ is missing: run `npm run build` first';
}

const skip = vmSkipReason() ?? productSkipReason();

describe.skipIf(skip !== undefined)(`linkdest apply onto an iSCSI LUN in a QEMU guest${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let nas: Nas | undefined;
  let guest: Guest | undefined;
  let dir = '';
  let inventory = '';
  /** Later steps only mean something once apply has worked; the first failure says why. */
  let applied = false;

  const g = () => {
    if (!guest || !nas) throw new Error('vm: guest not booted');
    return { guest, nas };
  };
  const linkdest = async (...args: string[]) => {
    const r = await run(process.execPath, [CLI, ...args], { allowFail: true, timeoutMs: 900_000 });
    return { ...r, output: `linkdest ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}` };
  };
  /** One backup run; when it fails, the error carries the run's journal, not just systemctl's hint. */
  const runBackup = async () => {
    const r = await g().guest.exec(['systemctl', 'start', 'linkdest.service'], { allowFail: true });
    if (r.code === 0) return;
    const log = await g().guest.exec(['journalctl', '-b', '-u', 'linkdest.service', '--no-pager', '-n', '40', '-o', 'cat'], { allowFail: true });
    throw new Error(`linkdest.service failed in the guest:\n${log.stdout}`);
  };
  const snapshots = async () => {
    const r = await g().guest.exec(['ls', '-1', '/mnt/Backup/vm']);
    return r.stdout.split('\n').filter((n) => SNAPSHOT_NAME.test(n));
  };

  /** The inventory; with `chap`, the password goes to a 0600 file it names. */
  const writeInventory = async (chap?: ChapAccount, portals?: string[]) => {
    const { guest, nas } = g();
    const secretFile = join(dir, 'chap-secret');
    if (chap) {
      await writeFile(secretFile, `${chap.password}\n`, { mode: 0o600 });
      await chmod(secretFile, 0o600);
    }
    await writeFile(inventory, stringify({
      hosts: {
        vm: {
          ssh: { host: guest.host, port: guest.port, user: 'root', identity: guest.identity, known_hosts: guest.knownHosts },
          disk: { iscsi: { portal: portals ?? nas.portal, target: nas.iqn, lun: nas.lun, ...(chap ? { chap: { user: chap.user, password_file: secretFile } } : {}) } },
          sources: ['/srv/data'],
          // The defaults (30G free) are for a real NAS; on a 512 MiB LUN every run would warn.
          retention: { min_free_before: '10M', min_free_after: '10M', min_inodes_before: 1000, min_inodes_after: 1000 },
        },
      },
    }));
  };
  /** The sid of the session to the NAS's target on its portal (undefined: none). */
  const sessionId = async () => {
    const { guest, nas } = g();
    const r = await guest.exec(['iscsiadm', '-m', 'session'], { allowFail: true });
    const ids = r.stdout.split('\n').map((l) => SESSION_LINE.exec(l)).filter((m) => m && m[2] === nas.portal && m[3] === nas.iqn);
    expect(ids.length, r.stdout).toBeLessThanOrEqual(1);
    return ids[0]?.[1];
  };
  /** Files on the guest holding `secret`, with their modes: `600 /etc/iscsi/nodes/...`. */
  const filesHolding = async (secret: string) => {
    const r = await g().guest.exec(['sh', '-c', 'grep -rlsF -D skip -f /dev/stdin /etc /root /var/log /tmp /var/tmp /run /opt /usr/local | xargs -r stat -c "%a %n"'], { input: `${secret}\n`, allowFail: true });
    return r.stdout.split('\n').filter(Boolean);
  };
  /**
   * After an apply with `chap`: the node record asks for CHAP as that user, the session is
   * a new one (the old sid is gone) that logged in with CHAP, the password is nowhere but in
   * open-iscsi's 0600 node record, and a backup run still snapshots onto the LUN.
   */
  const expectLoggedInAgainWith = async (chap: ChapAccount, oldSid: string, applyOutput: string, snapshotCount: number) => {
    const { guest, nas } = g();
    expect(applyOutput).not.toContain(chap.password);
    const record = await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal]);
    expect(record.stdout).toContain('node.session.auth.authmethod = CHAP');
    expect(record.stdout).toContain(`node.session.auth.username = ${chap.user}`);
    const sid = await sessionId();
    expect(sid, 'no session after apply').toBeDefined();
    expect(sid, 'apply kept the session from before the CHAP change').not.toBe(oldSid);
    const detail = await guest.exec(['iscsiadm', '-m', 'session', '-r', sid!, '-P', '2']);
    expect(detail.stdout).toMatch(new RegExp(`username: ${chap.user}\\s`));
    // A logout under the mounted filesystem aborts its journal and loses unsynced writes.
    const kernel = await guest.exec(['dmesg']);
    expect(kernel.stdout.split('\n').filter((l) => DISK_TROUBLE.test(l)), 'the logout pulled the disk from under the filesystem').toEqual([]);
    const remounted = await guest.exec(['findmnt', '-rn', '-o', 'FSTYPE', '/mnt/Backup'], { allowFail: true });
    expect(remounted.stdout.split('\n'), 'apply did not mount the backup filesystem again').toContain('ext4');
    const holders = await filesHolding(chap.password);
    expect(holders.length, 'the password is not in the node record').toBeGreaterThan(0);
    for (const h of holders) expect(h).toMatch(/^600 \/etc\/iscsi\/nodes\//);
    await runBackup();
    expect(await snapshots()).toHaveLength(snapshotCount);
  };

  beforeAll(async () => {
    const image = await ensureVmImage((line) => console.log(line));
    dir = await mkdtemp(join(tmpdir(), `${TMP_PREFIX}inv-`));
    nas = await startNas({ sizeMiB: 512 });
    guest = await bootGuest({ image, guestfwd: [nas.guestfwd, nas.secondGuestfwd] });
    inventory = join(dir, 'linkdest.yml');
    console.log(`vm: guest reached ssh after ${guest.bootSeconds[0]} s`);
    await guest.exec(['sh', '-c', 'mkdir -p /srv/data/sub && echo hello > /srv/data/sub/a.txt && head -c 1M /dev/urandom > /srv/data/blob']);
    await writeInventory();
  });

  afterAll(async () => {
    await guest?.stop();
    await nas?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('apply provisions the LUN and the service takes a snapshot onto it', async () => {
    const result = await linkdest('apply', '--yes', '-i', inventory);
    expect(result.code, result.output).toBe(0);
    // The guest's own kernel has autofs: the unset mount becomes an automount, and the plan says why.
    expect(result.output).toContain('mount: automount, because mount is unset and the host has systemd and autofs');
    const { guest } = g();
    expect((await guest.exec(['systemctl', 'is-active', 'mnt-Backup.automount'])).stdout.trim()).toBe('active');
    await runBackup();
    const taken = await snapshots();
    expect(taken).toHaveLength(1);
    // Where a source lands inside a snapshot is the runtime's layout; the content is what counts.
    const copy = await guest.exec(['find', `/mnt/Backup/vm/${taken[0]}`, '-name', 'a.txt', '-exec', 'cat', '{}', '+']);
    expect(copy.stdout).toContain('hello');
    applied = true;
  }, 1_200_000);

  test('after a reboot: session, automount and timer are back, nothing failed, no ordering cycle', async (ctx) => {
    if (!applied) ctx.skip();
    const { guest, nas } = g();
    await guest.reboot();
    console.log(`vm: guest back on ssh ${guest.bootSeconds[1]} s after reboot`);
    expect((await guest.exec(['iscsiadm', '-m', 'session'])).stdout).toContain(`${nas.portal},1 ${nas.iqn}`);
    await guest.exec(['ls', '/mnt/Backup']);
    const mounted = await guest.exec(['findmnt', '-rno', 'FSTYPE', '/mnt/Backup']);
    expect(mounted.stdout.trim().split('\n')).toContain('ext4');
    expect((await guest.exec(['systemctl', 'is-active', 'linkdest.timer'])).stdout.trim()).toBe('active');
    expect((await guest.exec(['systemctl', 'is-active', 'mnt-Backup.automount'])).stdout.trim()).toBe('active');
    expect((await guest.exec(['systemctl', '--failed', '--no-legend', '--plain'])).stdout.trim()).toBe('');
    const cycles = await guest.exec(['sh', '-c', 'journalctl -b --no-pager | grep -i "ordering cycle" || true']);
    expect(cycles.stdout.trim()).toBe('');
  }, 900_000);

  test('a second plan finds nothing to change', async (ctx) => {
    if (!applied) ctx.skip();
    const planned = await linkdest('plan', '-i', inventory);
    expect(planned.code, planned.output).toBe(0);
  }, 600_000);

  test('after an iSCSI logout the next run logs in again and takes a snapshot', async (ctx) => {
    if (!applied) ctx.skip();
    const { guest, nas } = g();
    // Stopping the .mount leaves the automount armed (a plain umount could take the autofs trap).
    await guest.exec(['systemctl', 'stop', 'mnt-Backup.mount']);
    await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '--logout']);
    expect((await guest.exec(['iscsiadm', '-m', 'session'], { allowFail: true })).stdout).not.toContain(nas.iqn);
    await runBackup();
    expect((await guest.exec(['iscsiadm', '-m', 'session'])).stdout).toContain(`${nas.portal},1 ${nas.iqn}`);
    expect(await snapshots()).toHaveLength(2);
  }, 900_000);

  const first: ChapAccount = { user: 'backup', password: `c1-${randomBytes(9).toString('base64url')}` };
  const second: ChapAccount = { user: 'backup', password: `c2-${randomBytes(9).toString('base64url')}` };
  let chapOn = false;
  let chapNow: ChapAccount | undefined;

  test('CHAP turned on under a live session: apply writes the record and logs in again with it', async (ctx) => {
    if (!applied) ctx.skip();
    const { nas } = g();
    const before = await sessionId();
    expect(before, 'the previous step left no session').toBeDefined();
    const mounted = await g().guest.exec(['findmnt', '-rn', '-o', 'FSTYPE', '/mnt/Backup']);
    expect(mounted.stdout.split('\n'), 'the filesystem should be mounted while apply logs out').toContain('ext4');
    await nas.setChap(first);
    expect(await sessionId(), 'tgtd dropped the live session when CHAP was turned on').toBe(before);
    await writeInventory(first);
    const result = await linkdest('--debug', 'apply', '--yes', '-i', inventory);
    expect(result.code, result.output).toBe(0);
    await expectLoggedInAgainWith(first, before!, result.output, 3);
    const config = await g().guest.exec(['cat', '/etc/linkdest/linkdest.json']);
    expect(config.stdout).not.toContain(first.password);
    const planned = await linkdest('plan', '-i', inventory);
    expect(planned.code, planned.output).toBe(0);
    expect(planned.output).not.toContain(first.password);
    chapOn = true;
  }, 900_000);

  test('a CHAP password changed on both sides while the disk is busy: apply refuses the re-login, the next plan offers it again, then it logs in with the new one only', async (ctx) => {
    if (!chapOn) ctx.skip();
    const { guest, nas } = g();
    const before = await sessionId();
    // The old account goes first: a login with the old password can no longer succeed.
    await nas.setChap(second);
    await writeInventory(second);
    // A process working in the backup filesystem (a backup in progress) keeps it busy.
    await guest.exec(['sh', '-c', 'setsid -f sh -c \'cd /mnt/Backup && echo $$ > /run/linkdest-test-busy.pid && exec sleep 900\' </dev/null >/dev/null 2>&1']);
    await expect.poll(async () => (await guest.exec(['cat', '/run/linkdest-test-busy.pid'], { allowFail: true })).stdout.trim()).toMatch(/^\d+$/);
    let released = false;
    try {
      const refused = await linkdest('apply', '--yes', '-i', inventory);
      expect(refused.code, refused.output).not.toBe(0);
      expect(refused.stderr).toMatch(/cannot unmount \/mnt\/Backup to log in again with the new CHAP settings \(is a backup running\?\)/);
      expect(refused.output).not.toContain(second.password);
      expect(await sessionId(), 'the busy disk was pulled away').toBe(before);
      // The record has the new password now; only the note tells the plan the session is older.
      const again = await linkdest('plan', '-i', inventory);
      expect(again.output).toMatch(/log out of \S+ on \S+ and in again: the session still runs on the CHAP settings from before the node record changed/);
      await guest.exec(['sh', '-c', 'kill "$(cat /run/linkdest-test-busy.pid)"; rm -f /run/linkdest-test-busy.pid']);
      released = true;
    } finally {
      if (!released) await guest.exec(['sh', '-c', 'kill "$(cat /run/linkdest-test-busy.pid)"'], { allowFail: true });
    }
    const result = await linkdest('--debug', 'apply', '--yes', '-i', inventory);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toContain(first.password);
    await expectLoggedInAgainWith(second, before!, result.output, 4);
    expect(await filesHolding(first.password), 'the old password is still on the guest').toEqual([]);
    chapNow = second;
    expect((await guest.exec(['test', '-e', '/var/lib/linkdest/iscsi-relogin-pending'], { allowFail: true })).code, 'the re-login note outlived the re-login').not.toBe(0);
    const planned = await linkdest('plan', '-i', inventory);
    expect(planned.code, planned.output).toBe(0);
    expect(planned.output).not.toMatch(/log out of/);
  }, 900_000);

  test('a run failed over to the second portal: the next apply moves the session back, one session, nothing lost', async (ctx) => {
    if (!applied) ctx.skip();
    const { guest, nas } = g();
    await writeInventory(chapNow, [nas.portal, nas.secondPortal]);
    const added = await linkdest('apply', '--yes', '-i', inventory);
    expect(added.code, added.output).toBe(0);
    // What a failover leaves behind: no session on the first portal, one on the second.
    await guest.exec(['systemctl', 'stop', 'mnt-Backup.mount']);
    await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '--logout']);
    await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.secondPortal, '--login']);
    await runBackup(); // the run uses the session where it is
    const count = (await snapshots()).length;
    const planned = await linkdest('plan', '-i', inventory);
    expect(planned.output).toContain(`move the session to ${nas.iqn} from ${nas.secondPortal} (a backup run failed over to it) back to ${nas.portal}`);
    const moved = await linkdest('apply', '--yes', '-i', inventory);
    expect(moved.code, moved.output).toBe(0);
    const sessions = (await guest.exec(['iscsiadm', '-m', 'session'])).stdout.split('\n').filter((l) => l.includes(nas.iqn));
    expect(sessions, 'two sessions to one LUN').toEqual([expect.stringContaining(`${nas.portal},1 ${nas.iqn}`)]);
    const kernel = await guest.exec(['dmesg']);
    expect(kernel.stdout.split('\n').filter((l) => DISK_TROUBLE.test(l)), 'the move pulled the disk from under the filesystem').toEqual([]);
    await runBackup();
    expect(await snapshots()).toHaveLength(count + 1);
    const again = await linkdest('plan', '-i', inventory);
    expect(again.code, again.output).toBe(0);
    expect(again.output).not.toMatch(/move the session|log in to/);
  }, 900_000);
});
