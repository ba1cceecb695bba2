/**
 * planHost + applyHost over real SSH against a booted systemd host of the test bed with a
 * blank loop disk and `mount` unset: the facts choose automount where the kernel has autofs,
 * a static mount unit where not; everything from partition to timer gets created, a second
 * run changes nothing (no mutating command at all), and a disk holding someone else's
 * filesystem is refused unless confirmed by its uuid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed, type TestHost, type TestDisk } from '../../testbed/index.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { planHost, DEFAULT_BUNDLE } from '../../../provision/plan.ts';
import { applyHost, type ApplyEvent } from '../../../provision/apply.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { makeSpec } from '../../unit/provision/make-spec.ts';

const bundle = existsSync(DEFAULT_BUNDLE) ? readFileSync(DEFAULT_BUNDLE) : Buffer.from('// runtime bundle stand-in (dist not built)\n');
const MOUNTPOINT = "/mnt/My Backup's";

function specFor(host: TestHost, device: string): HostSpec {
  return makeSpec({
    name: host.name,
    ssh: host.ssh,
    disk: { target: { kind: 'usb', device }, filesystem: 'ext4', label: 'linkdest' },
    mountpoint: MOUNTPOINT,
    mount: 'automount',
    mountDefaulted: true,
    schedule: '*-*-* 02:30:00',
  });
}

const mutating = (t: Transport): number => t.history.filter((r) => r.mutating).length;

describe.skipIf(!isRoot)(`provision core on a systemd host with a blank USB disk${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let disk: TestDisk;
  let transport: Transport;
  /** What an unset `mount` becomes here, and the unit apply starts for it. */
  let kind: 'automount' | 'static';
  let startedUnit = '';

  beforeAll(async () => {
    bed = await startHosts(1);
    kind = bed.autofs ? 'automount' : 'static';
    startedUnit = `mnt-My\\x20Backup\\x27s.${kind === 'automount' ? 'automount' : 'mount'}`;
    host = bed.hosts[0]!;
    disk = await host.attachDisk(128 * 1024 ** 2);
    transport = await openTransport(specFor(host, disk.device), { sshConfigFile: null });
    await transport.connect();
  });

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
  });

  test('a blank disk plans partition, filesystem, units, marker and timer, in one fact round trip', async () => {
    const before = transport.history.length;
    const plan = await planHost(specFor(host, disk.device), transport, { runtimeBundle: bundle });
    expect(transport.history.length - before).toBe(1);
    const summaries = plan.changes.map((c) => c.summary);
    expect(summaries).toEqual(expect.arrayContaining([
      `create a GPT partition table with one partition ${disk.device}p1 on ${disk.device}`,
      `create ext4 filesystem labelled linkdest on ${disk.device}p1`,
      `enable and start ${startedUnit}`,
      `create marker ${MOUNTPOINT}/.linkdest-backup on the backup filesystem`,
      'enable and start linkdest.timer',
    ]));
    expect(plan.changes.find((c) => c.summary.includes('.mount ('))?.diff?.after).toContain('What=/dev/disk/by-uuid/<uuid of the new filesystem>');
    expect(plan.changes.some((c) => c.summary.includes('.automount'))).toBe(kind === 'automount');
    expect(plan.notes).toEqual([expect.stringMatching(new RegExp(`^mount: ${kind}, because mount is unset and `))]);
  });

  test('apply creates it all; the host then has the filesystem, units, marker and config', async () => {
    const plan = await planHost(specFor(host, disk.device), transport, { runtimeBundle: bundle });
    const events: ApplyEvent[] = [];
    const result = await applyHost(plan, transport, { onEvent: (e) => events.push(e) });
    expect(result.applied).toHaveLength(plan.changes.length);
    expect(result.handlers).toEqual(['daemon-reload']);
    expect(transport.history.filter((r) => r.argv.join(' ') === 'systemctl daemon-reload')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'failed')).toEqual([]);

    const probe = await host.check(['blkid', '-p', '-o', 'export', `${disk.device}p1`]);
    expect(probe.stdout).toMatch(/^LABEL=linkdest$/m);
    expect(probe.stdout).toMatch(/^TYPE=ext4$/m);
    expect((await host.exec(['systemctl', 'is-active', startedUnit])).stdout.trim()).toBe('active');
    expect((await host.exec(['systemctl', 'is-enabled', 'linkdest.timer'])).stdout.trim()).toBe('enabled');
    expect((await host.exec(['systemctl', 'is-active', 'linkdest.timer'])).stdout.trim()).toBe('active');
    // Touching the mount point triggers an automount; the marker is on the new filesystem.
    expect((await host.check(['cat', `${MOUNTPOINT}/.linkdest-backup`])).stdout).toContain(`host: ${host.name}`);
    // With automount findmnt lists the autofs mount (systemd-1) and, stacked on it, the filesystem.
    const sources = (await host.check(['findmnt', '-n', '-o', 'SOURCE', '--target', `${MOUNTPOINT}/.linkdest-backup`])).stdout.trim().split('\n');
    expect(sources).toEqual([...(kind === 'automount' ? ['systemd-1'] : []), `${disk.device}p1`]);
    expect((await host.check(['stat', '-c', '%a', '/etc/linkdest/linkdest.json'])).stdout.trim()).toBe('600');
    const config = JSON.parse((await host.check(['cat', '/etc/linkdest/linkdest.json'])).stdout);
    expect(config.destination).toEqual({ path: MOUNTPOINT, marker: '.linkdest-backup', mount: { kind: 'systemd', unit: 'mnt-My\\x20Backup\\x27s.mount' } });
  });

  test('a second plan is empty and a second apply runs no mutating command', async () => {
    // An automount stays armed when its .mount stops; a static mount is only in sync while mounted.
    if (kind === 'automount') await host.exec(['systemctl', 'stop', 'mnt-My\\x20Backup\\x27s.mount']);
    const plan = await planHost(specFor(host, disk.device), transport, { runtimeBundle: bundle });
    expect(plan.changes.map((c) => c.summary)).toEqual([]);
    const before = mutating(transport);
    await applyHost(plan, transport);
    expect(mutating(transport)).toBe(before);
  });

  test('a disk holding another filesystem is refused, named by what is on it, unless confirmed', async () => {
    const other = await host.attachDisk(64 * 1024 ** 2);
    await host.check(['mkfs.ext4', '-q', '-L', 'data', other.device]);
    const uuid = /^UUID=(.*)$/m.exec((await host.check(['blkid', '-p', '-o', 'export', other.device])).stdout)![1]!;
    await expect(planHost(specFor(host, other.device), transport, { runtimeBundle: bundle })).rejects.toThrow(
      `disk ${other.device} holds data; refusing to format it; to erase it run: linkdest apply --format-confirm ${uuid}; found: ext4 'data' (uuid ${uuid})`,
    );
    const plan = await planHost(specFor(host, other.device), transport, { runtimeBundle: bundle, formatConfirm: uuid });
    expect(plan.changes[0]?.summary).toBe(`WIPE ${other.device} (ext4 'data' (uuid ${uuid})) and create a GPT partition table with one partition ${other.device}p1`);
    // Confirmed at plan time but not at apply time: apply looks again and refuses.
    await expect(applyHost(plan, transport)).rejects.toThrow(/refusing to format/);
    expect((await host.check(['blkid', '-p', '-o', 'export', other.device])).stdout).toContain(`UUID=${uuid}`);
  });
});
