/**
 * `mount: automount` written in the inventory for a host that cannot run automount units
 * (no /dev/autofs in it: the test bed leaves it out on purpose, so this runs on every
 * kernel): plan and apply refuse it at plan time in one line naming the host, the reason and
 * the alternative, and nothing on the host is changed (the blank disk stays blank, no file
 * is written, no mutating command runs).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, fileExists, parseJson, probe, runCli, sshOf, suiteTitle } from './bed.ts';

const reason = e2eUnavailable();
const REFUSAL = /mount: automount cannot work on this host: (the kernel has no autofs in \/proc\/filesystems|the host has no \/dev\/autofs \(a container\?\)); use mount: static, or leave mount unset$/;

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: mount: automount on a host without autofs is refused at plan time', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let work: Workdir;
  let inv = '';

  beforeAll(async () => {
    work = await Workdir.create('automount-refused');
    bed = await startHosts(1, { autofs: false });
    host = bed.hosts[0]!;
    disk = await host.attachDisk(64 * 1024 * 1024);
    await host.check(['mkdir', '-p', '/srv/data']);
    inv = await work.inventory({
      hosts: {
        [host.name]: {
          ssh: sshOf(host), disk: { usb: { device: disk.device } }, mount: 'automount',
          sources: ['/srv/data'], retention: SMALL_DISK_RETENTION,
        },
      },
    });
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('plan: exit 1, one line with the host, the reason and the alternative', async () => {
    expect(await fileExists(host, '/dev/autofs')).toBe(false);
    const r = await runCli(['plan', '-i', inv]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    const line = r.stdout.split('\n').find((l) => REFUSAL.test(l));
    expect(line, r.stdout).toMatch(new RegExp(`^${host.name}: failed at mount: mount: automount`));
  });

  test('apply --yes: the same refusal before any change; disk blank, no file, no mutating command', async () => {
    const doc = parseJson(await runCli(['apply', '--yes', '--json', '-i', inv]));
    expect(doc.exit_code).toBe(1);
    expect(doc.hosts[0]).toMatchObject({ host: host.name, status: 'failed', step: 'mount', changes: null, commands: { mutating: 0 } });
    expect(doc.hosts[0]!.error).toMatch(REFUSAL);
    expect(await probe(host, disk.device)).toEqual({});
    for (const path of ['/etc/linkdest', '/etc/systemd/system/mnt-Backup.mount', '/etc/systemd/system/mnt-Backup.automount', '/mnt/Backup']) {
      expect(await fileExists(host, path), path).toBe(false);
    }
  });
});
