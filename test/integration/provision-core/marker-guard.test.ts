/**
 * No `disk:` in the inventory: the user mounts the backup disk, linkdest only writes the
 * marker. On a test bed host over SSH, the marker is refused on the filesystem holding /
 * (nothing mounted at the mount point, or a bind mount of the root filesystem there) and
 * written on a disk the user mounted there; a disk gone between plan and apply is noticed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';
import { run } from '../../testbed/run.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { planHost } from '../../../provision/plan.ts';
import { applyHost } from '../../../provision/apply.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { makeSpec } from '../../unit/provision/make-spec.ts';

const bundle = Buffer.from('// runtime bundle stand-in\n');
const MP = '/mnt/userdisk';
const MARKER = `${MP}/.linkdest-backup`;

function specFor(host: TestHost): HostSpec {
  const { disk: _none, ...spec } = makeSpec({ name: host.name, ssh: host.ssh, mountpoint: MP, mount: 'static', schedule: '*-*-* 02:30:00' });
  return spec;
}

describe.skipIf(!isRoot)(`the marker without disk: goes only on a filesystem mounted at the mount point${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let transport: Transport;

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    transport = await openTransport(specFor(host), { sshConfigFile: null });
    await transport.connect();
    await host.check(['mkdir', '-p', MP, '/srv/elsewhere']);
  });

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
  });

  const exists = async (path: string): Promise<boolean> => (await host.exec(['test', '-e', path])).code === 0;

  test('nothing mounted there: plan and apply refuse, saying so; no marker on the root filesystem', async () => {
    const refusal = `nothing is mounted at ${MP}: a marker there would land on the filesystem that holds /; mount the backup disk at ${MP} first (or set disk: in the inventory); marker not written`;
    await expect(planHost(specFor(host), transport, { runtimeBundle: bundle })).rejects.toThrow(refusal);
    expect(await exists(MARKER)).toBe(false);
  });

  test('a bind mount of the root filesystem there: refused, naming what is mounted', async () => {
    await host.check(['mount', '--bind', '/srv/elsewhere', MP]);
    try {
      await expect(planHost(specFor(host), transport, { runtimeBundle: bundle })).rejects.toThrow(
        new RegExp(`^${MP} shows \\S+ \\(\\S+\\), the filesystem that holds /; mount the backup disk at ${MP} first; marker not written$`),
      );
      expect(await exists('/srv/elsewhere/.linkdest-backup')).toBe(false);
    } finally {
      await host.check(['umount', MP]);
    }
  });

  test('a disk the user mounted there gets the marker; unmounted between plan and apply, apply refuses', async () => {
    const disk = await host.attachDisk(64 * 1024 ** 2);
    await run('mkfs.ext4', ['-q', '-F', '-L', 'userdisk', disk.device]);
    await host.check(['mount', disk.device, MP]);
    const plan = await planHost(specFor(host), transport, { runtimeBundle: bundle });
    expect(plan.changes.map((c) => c.summary)).toContain(`create marker ${MARKER} on the backup filesystem`);
    await host.check(['umount', MP]);
    await expect(applyHost(plan, transport)).rejects.toThrow(`nothing is mounted at ${MP}`);
    expect(await exists(MARKER)).toBe(false);

    await host.check(['mount', disk.device, MP]);
    await applyHost(await planHost(specFor(host), transport, { runtimeBundle: bundle }), transport);
    expect((await host.check(['cat', MARKER])).stdout).toContain(`host: ${host.name}`);
    expect((await host.check(['findmnt', '-n', '-o', 'SOURCE', '--target', MARKER])).stdout.trim()).toBe(disk.device);
    expect((await planHost(specFor(host), transport, { runtimeBundle: bundle })).changes).toEqual([]);
    // The disk unplugged later: the marker stays on the disk, the root filesystem has none.
    await host.check(['umount', MP]);
    expect(await exists(MARKER)).toBe(false);
  });
});
