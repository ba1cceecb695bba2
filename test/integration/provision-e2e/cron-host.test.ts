/**
 * A host without systemd (the test bed's 'sshd-only' init) and no `mount:` in the inventory:
 * apply writes an fstab line (the default there) and /etc/cron.d/linkdest; running the cron command by hand makes a snapshot; a changed
 * fstab line is shown by plan and repaired by apply.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import {
  SMALL_DISK_RETENTION, Workdir, e2eUnavailable, fileExists, findFiles, out, parseJson, probe, runCli, sshOf, suiteTitle,
} from './bed.ts';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';

/** The fstab line for the backup mount point, '' when there is none. */
async function fstabLine(host: TestHost): Promise<string> {
  const fstab = await out(host, ['cat', '/etc/fstab']);
  return fstab.split('\n').find((l) => l.split(/\s+/)[1] === MOUNT) ?? '';
}

/** The command of the one job line in a cron.d file: after 5 time fields and the user. */
function cronCommand(cronFile: string): string {
  const jobs = cronFile.split('\n').filter((l) => /^[0-9*@]/.test(l));
  expect(jobs).toHaveLength(1);
  const fields = jobs[0]!.trim().split(/\s+/);
  expect(fields[5]).toBe('root');
  return fields.slice(6).join(' ');
}

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: a host without systemd (fstab + cron)', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let work: Workdir;
  let inv = '';

  beforeAll(async () => {
    work = await Workdir.create('cron');
    bed = await startHosts(1, { init: 'sshd-only' });
    host = bed.hosts[0]!;
    disk = await host.attachDisk(128 * 1024 * 1024);
    await host.check(['mkdir', '-p', '/srv/data']);
    await host.check(['sh', '-c', 'echo nightly > /srv/data/cron.txt']);
    inv = await work.inventory({
      hosts: {
        [host.name]: {
          ssh: sshOf(host),
          disk: { usb: { device: disk.device }, label: 'cronbackup' },
          mountpoint: MOUNT,
          // No `mount:`: without systemd the default is an fstab line.
          schedule: '*-*-* 02:30:00',
          sources: ['/srv/data'],
          retention: SMALL_DISK_RETENTION,
        },
      },
    });
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('apply --yes: partition, ext4, fstab line and cron file; no systemd units', async () => {
    const r = await runCli(['apply', '--yes', '-i', inv]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await probe(host, `${disk.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'cronbackup' });
    const line = await fstabLine(host);
    expect(line.split(/\s+/).slice(1, 3)).toEqual([MOUNT, 'ext4']);
    const cron = await out(host, ['cat', '/etc/cron.d/linkdest']);
    expect(cron).toMatch(/^30 2 \* \* \* root /m);
    expect(await fileExists(host, '/etc/systemd/system/linkdest.timer')).toBe(false);
    // The new filesystem's root is closed from the start (mkfs makes it 0755), as is the directory below it.
    expect(await out(host, ['stat', '-c', '%a', MOUNT])).toBe('700');
    await host.check(['mount', MOUNT]);
    expect(await out(host, ['stat', '-c', '%a', MOUNT])).toBe('700');
    await host.check(['umount', MOUNT]);
  });

  test('the cron command, run by hand, mounts the disk and writes a snapshot', async () => {
    const command = cronCommand(await out(host, ['cat', '/etc/cron.d/linkdest']));
    const r = await host.exec(['sh', '-c', command]);
    expect(r.code, r.stderr).toBe(0);
    await host.exec(['mount', MOUNT]); // the runtime may unmount after its run; look at the disk
    const copies = await findFiles(host, MOUNT, 'cron.txt');
    expect(copies).toHaveLength(1);
    expect(await out(host, ['cat', copies[0]!])).toBe('nightly');
    // Root only: the mounted root and the set 0700, and a local user reads nothing there.
    const setDir = copies[0]!.split('/').slice(0, MOUNT.split('/').length + 1).join('/');
    expect(await out(host, ['stat', '-c', '%a', MOUNT, setDir])).toBe('700\n700');
    const nobody = await host.exec(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', 'cat', copies[0]!]);
    expect([nobody.code, nobody.stderr]).toEqual([1, expect.stringContaining('Permission denied')]);
  });

  test('re-apply: in sync, no mutating command', async () => {
    expect((await runCli(['plan', '-i', inv])).code).toBe(0);
    const doc = parseJson(await runCli(['apply', '--yes', '--json', '-i', inv]));
    expect(doc.hosts[0]).toMatchObject({ status: 'ok', commands: { total: 1, mutating: 0 } }); // one round trip: the facts choose the fstab mount
  });

  test('a changed fstab line: plan shows the fstab diff, apply restores it', async () => {
    const good = await fstabLine(host);
    const fields = good.split(/\s+/);
    fields[3] = 'ro,noatime';
    const fstab = (await out(host, ['cat', '/etc/fstab'])).split('\n').map((l) => (l === good ? fields.join(' ') : l));
    await host.check(['sh', '-c', 'cat > /etc/fstab'], { input: `${fstab.join('\n')}\n` });

    const plan = await runCli(['plan', '-i', inv]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('/etc/fstab');
    expect(plan.stdout).toMatch(/^\s+-.*ro,noatime/m);

    expect((await runCli(['apply', '--yes', '-i', inv])).code).toBe(0);
    expect(await fstabLine(host)).toBe(good);
    expect((await runCli(['plan', '-i', inv])).code).toBe(0);
  });
});
