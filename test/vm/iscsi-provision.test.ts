/**
 * The whole iSCSI story on a real kernel: `linkdest apply` over SSH provisions a QEMU guest
 * whose backup disk is a LUN on a tgtd "QNAP", the service takes a snapshot, and after a
 * reboot the session, the automount and the timer come back with no ordering cycle (the
 * boot-hang class of bug), a second plan finds nothing to do, and a run after a logout
 * logs in again by itself.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { run } from '../testbed/run.ts';
import { ensureVmImage } from './image.ts';
import { startNas, type Nas } from './nas.ts';
import { bootGuest, type Guest } from './qemu.ts';
import { vmSkipReason } from './skip.ts';
import { TMP_PREFIX } from './stale.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO, 'bin/linkdest.mjs');
const SNAPSHOT_NAME = /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/;

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

  beforeAll(async () => {
    const image = await ensureVmImage((line) => console.log(line));
    dir = await mkdtemp(join(tmpdir(), `${TMP_PREFIX}inv-`));
    nas = await startNas({ sizeMiB: 512 });
    guest = await bootGuest({ image, guestfwd: [nas.guestfwd] });
    console.log(`vm: guest reached ssh after ${guest.bootSeconds[0]} s`);
    await guest.exec(['sh', '-c', 'mkdir -p /srv/data/sub && echo hello > /srv/data/sub/a.txt && head -c 1M /dev/urandom > /srv/data/blob']);
    inventory = join(dir, 'linkdest.yml');
    await writeFile(inventory, stringify({
      hosts: {
        vm: {
          ssh: { host: guest.host, port: guest.port, user: 'root', identity: guest.identity, known_hosts: guest.knownHosts },
          disk: { iscsi: { portal: nas.portal, target: nas.iqn, lun: nas.lun } },
          sources: ['/srv/data'],
          // The defaults (30G free) are for a real NAS; on a 512 MiB LUN every run would warn.
          retention: { min_free_before: '10M', min_free_after: '10M', min_inodes_before: 1000, min_inodes_after: 1000 },
        },
      },
    }));
  });

  afterAll(async () => {
    await guest?.stop();
    await nas?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('apply provisions the LUN and the service takes a snapshot onto it', async () => {
    const result = await linkdest('apply', '--yes', '-i', inventory);
    expect(result.code, result.output).toBe(0);
    const { guest } = g();
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
    await guest.exec(['sh', '-c', 'umount /mnt/Backup 2>/dev/null; true']);
    await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '--logout']);
    expect((await guest.exec(['iscsiadm', '-m', 'session'], { allowFail: true })).stdout).not.toContain(nas.iqn);
    await runBackup();
    expect((await guest.exec(['iscsiadm', '-m', 'session'])).stdout).toContain(`${nas.portal},1 ${nas.iqn}`);
    expect(await snapshots()).toHaveLength(2);
  }, 900_000);
});
