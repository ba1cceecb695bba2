/**
 * Encryption on a host whose kernel has no device-mapper (the nspawn test bed's kernel has
 * none; the QEMU guest's has, test/vm/rotation-luks.test.ts), even when a /dev/mapper/control
 * node exists (libdevmapper creates one; installing cryptsetup here did): `disk enroll --encrypt` is
 * refused in one line before the disk is touched, and `plan` refuses an inventory whose
 * rotation disks are encrypted, in one line, instead of every nightly run failing at the open.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { Workdir, e2eUnavailable, fileExists, out, runCli, sshOf, suiteTitle } from './bed.ts';

/** The kernel answers on the device-mapper control node (the node alone proves nothing: libdevmapper creates it). */
const kernelHasDm = spawnSync('dmsetup', ['version'], { stdio: 'ignore' }).status === 0;
const reason = e2eUnavailable() ?? (kernelHasDm ? 'this kernel has device-mapper: the refusal cannot be seen here' : undefined);

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: encrypted rotation disks on a host without device-mapper', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let work: Workdir;

  beforeAll(async () => {
    work = await Workdir.create('rotation-encrypt');
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    disk = await host.attachDisk(64 * 1024 * 1024);
  }, 300_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  const inventory = (disks: unknown[]) => work.inventory({
    hosts: { [host.name]: { ssh: sshOf(host), disk: { rotation: { disks } }, sources: ['/srv'] } },
  });

  test('enrol --encrypt: one line naming the missing device-mapper; disk, inventory and host untouched', async () => {
    const inv = await inventory([]);
    const before = await readFile(inv, 'utf8');
    const r = await runCli(['disk', 'enroll', host.name, disk.device, '--id', 'A', '--encrypt', '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot use encrypted disks: its kernel has no device-mapper \(not in \/proc\/misc, no dm_mod module; LUKS needs dm-crypt\)/);
    expect(await out(host, ['blkid', '-p', '-o', 'value', '-s', 'TYPE', disk.device])).toBe('');
    expect(await out(host, ['blkid', '-p', '-o', 'value', '-s', 'PTTYPE', disk.device])).toBe('');
    expect(await fileExists(host, '/etc/linkdest/keys')).toBe(false);
    expect(await readFile(inv, 'utf8')).toBe(before);
  }, 300_000);

  test('plan with an encrypted disk in the inventory: one line naming the host and the disk', async () => {
    const inv = await inventory([{ id: 'B', uuid: '9a2e4f10-1c3b-4d7e-8f2a-6b5c4d3e2f10', luks_uuid: '77b1c0de-1234-4abc-9def-0123456789ab' }]);
    const r = await runCli(['plan', '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/cannot use encrypted disks: its kernel has no device-mapper .*; disk B is encrypted/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 300_000);
});
