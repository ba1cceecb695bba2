/**
 * Disks as shops sell them, on a test bed host over SSH (planHost + applyHost): GPT or MBR
 * with one NTFS, exFAT, FAT32 or ext4 partition, and a bare protective MBR whose GPT headers
 * are gone. Without --format-confirm nothing on the disk changes (the backing file hashes the
 * same); with the value the refusal names, apply wipes every partition before the table and
 * ends with linkdest's own filesystem, which the next plan adopts. A partition named linkdest
 * without a filesystem, and a linkdest ext4 whose superblock is damaged, are refused with how
 * to check them. Layouts are made on the machine (mkfs.ntfs, mkfs.exfat, mkfs.vfat there);
 * the host sees them through the test bed's udev stand-in. Mounts are `static` so the suite
 * runs on kernels without autofs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed, type TestHost, type TestDisk } from '../../testbed/index.ts';
import { run } from '../../testbed/run.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { planHost } from '../../../provision/plan.ts';
import { applyHost } from '../../../provision/apply.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { pathUnitName } from '../../../provision/systemd/escape.ts';
import { makeSpec } from '../../unit/provision/make-spec.ts';
import { e2eUnavailable, runCli, SMALL_DISK_RETENTION, sshOf, Workdir } from '../provision-e2e/bed.ts';

const bundle = Buffer.from('// runtime bundle stand-in\n');
const MKFS = ['mkfs.ntfs', 'mkfs.exfat', 'mkfs.vfat'];
const ready = isRoot && MKFS.every(hasCommand);
const cliReason = ready ? e2eUnavailable() : undefined;

type Table = 'gpt' | 'msdos';
type Fs = 'ntfs' | 'exfat' | 'fat32' | 'ext4';

function specFor(host: TestHost, device: string, mountpoint: string): HostSpec {
  return makeSpec({
    name: host.name,
    ssh: host.ssh,
    disk: { target: { kind: 'usb', device }, filesystem: 'ext4', label: 'linkdest' },
    mountpoint,
    mount: 'static',
    schedule: '*-*-* 02:30:00',
  });
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function mkfs(fs: Fs, device: string): Promise<void> {
  if (fs === 'ntfs') await run('mkfs.ntfs', ['-Q', '-F', '-L', 'Seagate Expansion Drive', device]);
  else if (fs === 'exfat') await run('mkfs.exfat', ['-L', 'WD Elements', device]);
  else if (fs === 'fat32') await run('mkfs.vfat', ['-F', '32', '-n', 'SHOPDISK', device]);
  else await run('mkfs.ext4', ['-q', '-F', '-L', 'photos', device]);
}

/** One partition from 1 MiB to the end holding `fs`, as shops format them. */
async function shopLayout(host: TestHost, disk: TestDisk, table: Table, fs: Fs): Promise<void> {
  const type = fs === 'ext4' ? 'ext4' : fs === 'fat32' ? 'fat32' : 'ntfs';
  await run('parted', ['-s', '--', disk.device, 'mklabel', table, 'mkpart', table === 'gpt' ? 'Basic' : 'primary', type, '1MiB', '100%']);
  await mkfs(fs, `${disk.device}p1`);
  await host.syncPartitions(disk);
}

/** A GPT disk with an ext4 partition whose GPT headers (both) were then zeroed: only the PMBR is left. */
async function protectiveMbrOnly(host: TestHost, disk: TestDisk): Promise<void> {
  await shopLayout(host, disk, 'gpt', 'ext4');
  const sectors = Number((await run('blockdev', ['--getsz', disk.device])).stdout.trim());
  await run('dd', ['if=/dev/zero', `of=${disk.device}`, 'bs=512', 'seek=1', 'count=33', 'conv=notrunc,fsync', 'status=none']);
  await run('dd', ['if=/dev/zero', `of=${disk.device}`, 'bs=512', `seek=${sectors - 33}`, 'count=33', 'conv=notrunc,fsync', 'status=none']);
  await run('partx', ['-d', disk.device]).catch(() => undefined);
  await host.syncPartitions(disk);
}

async function probe(host: TestHost, device: string): Promise<Record<string, string>> {
  const r = await host.exec(['blkid', '-p', '-o', 'export', device]);
  return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe.skipIf(!ready)(`disks as shops sell them${rootNote()}${isRoot ? commandNote(...MKFS) : ''}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let transport: Transport;

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    transport = await openTransport(specFor(host, '/dev/null', '/mnt/x'), { sshConfigFile: null });
    await transport.connect();
  });

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
  });

  // Each file system once and each table kind (about 15 s each on a busy machine); the unit
  // tables in test/unit/provision/disk-resources.test.ts take the other combinations.
  const layouts: [string, Table | 'pmbr', Fs][] = [
    ['GPT + ext4', 'gpt', 'ext4'],
    ['GPT + NTFS', 'gpt', 'ntfs'],
    ['GPT + exFAT', 'gpt', 'exfat'],
    ['MBR + FAT32', 'msdos', 'fat32'],
    ['MBR + NTFS', 'msdos', 'ntfs'],
    ['a bare protective MBR, ext4 hidden behind it', 'pmbr', 'ext4'],
  ];

  test.each(layouts)('%s: refused and intact without confirmation; with it, linkdest ext4 that the next plan adopts', async (_name, table, fs) => {
    const disk = await host.attachDisk(128 * 1024 ** 2);
    if (table === 'pmbr') await protectiveMbrOnly(host, disk);
    else await shopLayout(host, disk, table, fs);
    const mountpoint = `/mnt/shop-${table}-${fs}`;
    const spec = specFor(host, disk.device, mountpoint);
    const token = table === 'pmbr' ? disk.device : (await probe(host, `${disk.device}p1`)).UUID!;
    expect(token).toBeTruthy();

    const before = await sha256(disk.file);
    // The wording is the CLI test's and the unit tables' business; here: the value to confirm.
    const refusal = `--format-confirm ${token}`;
    await expect(planHost(spec, transport, { runtimeBundle: bundle })).rejects.toThrow(refusal);
    // Planned with the confirmation but applied without it: apply looks again and refuses.
    const confirmedPlan = await planHost(spec, transport, { runtimeBundle: bundle, formatConfirm: token });
    expect(confirmedPlan.changes[0]?.summary).toMatch(new RegExp(`^WIPE ${disk.device} \\(`));
    await expect(applyHost(confirmedPlan, transport)).rejects.toThrow(refusal);
    expect(await sha256(disk.file)).toBe(before);

    await applyHost(confirmedPlan, transport, { formatConfirm: token });
    expect(await probe(host, `${disk.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest', PART_ENTRY_NAME: 'linkdest' });
    expect((await host.check(['cat', `${mountpoint}/.linkdest-backup`])).stdout).toContain(`host: ${host.name}`);
    const again = await planHost(spec, transport, { runtimeBundle: bundle });
    expect(again.changes.map((c) => c.summary)).toEqual([]);
    await host.check(['systemctl', 'stop', pathUnitName(mountpoint, 'mount')]);
  });

  test.skipIf(cliReason !== undefined)(`the CLI: plan accepts --format-confirm and shows the wipe; the summary table keeps the whole command${cliReason ? ` (skipped: ${cliReason})` : ''}`, async () => {
    const disk = await host.attachDisk(128 * 1024 ** 2);
    await run('parted', ['-s', '--', disk.device, 'mklabel', 'gpt', 'mkpart', 'Basic', 'ntfs', '1MiB', '100%']);
    await run('mkfs.ntfs', ['-Q', '-F', '-L', 'Seagate Expansion Desktop Drive 4TB USB3', `${disk.device}p1`]);
    await host.syncPartitions(disk);
    const token = (await probe(host, `${disk.device}p1`)).UUID!;
    const work = await Workdir.create('shop-cli');
    try {
      const inv = await work.inventory({
        hosts: { [host.name]: { ssh: sshOf(host), disk: { usb: { device: disk.device } }, mountpoint: '/mnt/shop-cli', mount: 'static', sources: ['/etc'], retention: SMALL_DISK_RETENTION } },
      });
      const command = `linkdest apply --format-confirm ${token};`;
      const planned = await runCli(['plan', '-i', inv]);
      expect(planned.code).toBe(1);
      expect(planned.stdout).toContain(command);
      const applied = await runCli(['apply', '--yes', '-i', inv]);
      expect(applied.code).toBe(1);
      expect(applied.stdout).toMatch(new RegExp(`^${host.name}\\s+failed\\s.*disk: disk ${disk.device} holds data; refusing to format it; to erase it run: ${command}`, 'm'));
      const confirmed = await runCli(['plan', '--format-confirm', token, '-i', inv]);
      expect(confirmed.code, confirmed.stderr).toBe(2);
      expect(confirmed.stdout).toContain(`WIPE ${disk.device} (ntfs 'Seagate Expansion Desktop Drive 4TB USB3' (uuid ${token}) on ${disk.device}p1`);
      expect((await probe(host, `${disk.device}p1`)).UUID).toBe(token);
    } finally {
      await work.remove();
    }
  });

  test('a blank disk is still partitioned and formatted without any confirmation', async () => {
    const disk = await host.attachDisk(64 * 1024 ** 2);
    const spec = specFor(host, disk.device, '/mnt/blank');
    await applyHost(await planHost(spec, transport, { runtimeBundle: bundle }), transport);
    expect(await probe(host, `${disk.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    await host.check(['systemctl', 'stop', pathUnitName('/mnt/blank', 'mount')]);
  });

  test('a partition named linkdest without a filesystem is not formatted without confirmation', async () => {
    const disk = await host.attachDisk(64 * 1024 ** 2);
    await run('parted', ['-s', '--', disk.device, 'mklabel', 'gpt', 'mkpart', 'linkdest', '1MiB', '100%']);
    await host.syncPartitions(disk);
    const ptuuid = (await probe(host, disk.device)).PTUUID!;
    const spec = specFor(host, disk.device, '/mnt/named');
    const before = await sha256(disk.file);
    await expect(planHost(spec, transport, { runtimeBundle: bundle })).rejects.toThrow(
      `disk ${disk.device}: partition ${disk.device}p1 is named linkdest but shows no filesystem (an interrupted apply, or a damaged linkdest filesystem); `
        + `refusing to format it; check it with e2fsck -n ${disk.device}p1 (a damaged superblock: e2fsck -n -b 32768 ${disk.device}p1), or format it with linkdest apply --format-confirm ${ptuuid}`,
    );
    expect(await sha256(disk.file)).toBe(before);
    const plan = await planHost(spec, transport, { runtimeBundle: bundle, formatConfirm: ptuuid });
    expect(plan.changes.map((c) => c.summary)).toContain(`create ext4 filesystem labelled linkdest on ${disk.device}p1`);
    await applyHost(plan, transport, { formatConfirm: ptuuid });
    expect(await probe(host, `${disk.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    await host.check(['systemctl', 'stop', pathUnitName('/mnt/named', 'mount')]);
  });

  test('a linkdest ext4 with a damaged superblock is refused with how to check it, and e2fsck gets the data back', async () => {
    const disk = await host.attachDisk(256 * 1024 ** 2);
    const part = `${disk.device}p1`;
    await run('parted', ['-s', '--', disk.device, 'mklabel', 'gpt', 'mkpart', 'linkdest', '1MiB', '100%']);
    await run('mkfs.ext4', ['-q', '-F', '-L', 'linkdest', '-b', '4096', part]);
    await run('debugfs', ['-w', '-R', 'write /etc/os-release snapshot-2026-12-01', part]);
    await run('dd', ['if=/dev/zero', `of=${part}`, 'bs=1024', 'seek=1', 'count=1', 'conv=notrunc,fsync', 'status=none']);
    await host.syncPartitions(disk);
    expect((await probe(host, part)).TYPE).toBeUndefined();
    const spec = specFor(host, disk.device, '/mnt/damaged');
    const before = await sha256(disk.file);
    await expect(planHost(spec, transport, { runtimeBundle: bundle })).rejects.toThrow(
      `refusing to format it; check it with e2fsck -n ${part} (a damaged superblock: e2fsck -n -b 32768 ${part}), or format it with`,
    );
    expect(await sha256(disk.file)).toBe(before);
    // What the message says works: the backup superblock brings the filesystem and its file back.
    await run('e2fsck', ['-fy', '-b', '32768', part], { allowFail: true });
    expect((await run('debugfs', ['-R', 'ls -p /', part])).stdout).toContain('snapshot-2026-12-01');
  });
});
