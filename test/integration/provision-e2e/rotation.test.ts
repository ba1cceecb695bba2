/**
 * Off-site rotation on one systemd host (docs/rotation.md), driven through the CLI: two loop
 * disks enrolled with `linkdest disk enroll` (the inventory changed by one line each, the rest
 * byte for byte); unplugging removes the disk's device nodes and links from the host, as
 * udev does, so blkid there no longer finds it. Runs with A, then B, then A: each disk's chain links only within itself; an unknown
 * disk attached alone gets nothing written; with both attached the one with the older newest
 * snapshot is used; status shows both disks and flags the absent one past a short limit.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from './bed.ts';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';
const LOOK = '/mnt/look';
const RUNTIME = '/usr/local/lib/linkdest/linkdest-runtime.mjs';
const METRICS = '/var/lib/linkdest-metrics/linkdest.prom';
/** Short enough for the test to pass it, long enough for a run or two. */
const MAX_ABSENCE_S = 40;

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: off-site rotation with two disks', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let diskA: TestDisk;
  let diskB: TestDisk;
  let diskU: TestDisk;
  let work: Workdir;
  let inv = '';
  const uuids: Record<string, string> = {};

  // Unplugging removes the disk's nodes and links from the host, as udev would; the loop
  // device stays attached on the machine so its number never passes to another test.
  const unplug = (d: TestDisk): Promise<void> => host.unplugDisk(d);
  const plug = (d: TestDisk): Promise<void> => host.plugDisk(d);
  /** Runs the runtime as the timer would; its exit code and the run's log. */
  const nightly = async (): Promise<{ code: number; log: string }> => {
    const r = await host.exec(['node', RUNTIME, 'run']);
    const newest = await out(host, ['sh', '-c', 'ls -t /var/log/linkdest/*.log | head -1']);
    return { code: r.code, log: await out(host, ['cat', newest]) };
  };
  /** Snapshot names on a disk (mounted read-only by UUID for a moment). */
  const onDisk = async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    await host.check(['mkdir', '-p', LOOK]);
    await host.check(['mount', '-o', 'ro', `UUID=${uuids[id]}`, LOOK]);
    try {
      return await fn();
    } finally {
      await host.check(['umount', LOOK]);
    }
  };
  const snapshots = async (): Promise<string[]> =>
    (await out(host, ['ls', `${LOOK}/${host.name}`])).split('\n').filter((n) => /^\d{4}-/.test(n));
  const inode = async (snap: string): Promise<string> => out(host, ['stat', '-c', '%i', `${LOOK}/${host.name}/${snap}/srv/data/big.bin`]);

  beforeAll(async () => {
    work = await Workdir.create('rotation');
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    diskA = await host.attachDisk(128 * 1024 * 1024);
    diskB = await host.attachDisk(128 * 1024 * 1024);
    diskU = await host.attachDisk(64 * 1024 * 1024);
    // A disk someone plugged in without enrolment: a filesystem with linkdest's label even.
    await host.check(['mkfs.ext4', '-q', '-L', 'linkdest', diskU.device]);
    await host.check(['mkdir', '-p', '/srv/data']);
    await host.check(['sh', '-c', 'head -c 300000 /dev/urandom > /srv/data/big.bin; echo one > /srv/data/changing.txt']);
    inv = await work.inventory({
      hosts: {
        [host.name]: {
          ssh: sshOf(host),
          disk: { rotation: { max_absence: MAX_ABSENCE_S } },
          mountpoint: MOUNT,
          sources: ['/srv/data'],
          retention: SMALL_DISK_RETENTION,
          report: { metrics_file: METRICS },
        },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('apply sets the host up without touching any disk', async () => {
    await host.check(['mkdir', '-p', '/var/lib/linkdest-metrics']);
    const r = await runCli(['apply', '--yes', '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await out(host, ['blkid', '-p', '-o', 'value', '-s', 'TYPE', diskA.device])).toBe('');
  }, 180_000);

  test('enrol A and B: blank disks formatted, markers with their ids, one inventory line each, the rest byte for byte', async () => {
    const before = await readFile(inv, 'utf8');
    const dry = await runCli(['disk', 'enroll', host.name, diskA.device, '--id', 'A', '--dry-run', '-i', inv]);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would create a GPT partition table with one partition ${diskA.device}p1 on ${diskA.device}`);
    expect(dry.stdout).toContain('dry run: nothing was changed');
    expect(await out(host, ['blkid', '-p', '-o', 'value', '-s', 'PTTYPE', diskA.device])).toBe('');
    expect(await readFile(inv, 'utf8')).toBe(before);
    const a = await runCli(['disk', 'enroll', host.name, diskA.device, '--id', 'A', '-i', inv]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(a.stdout).toContain('disk A enrolled');
    const afterA = await readFile(inv, 'utf8');
    const b = await runCli(['disk', 'enroll', host.name, diskB.device, '-i', inv]);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(b.stdout).toContain('disk B enrolled');
    const afterB = await readFile(inv, 'utf8');
    const disks = parseDocument(afterB).toJS().hosts[host.name].disk.rotation.disks as { id: string; uuid: string }[];
    expect(disks.map((d) => d.id)).toEqual(['A', 'B']);
    for (const d of disks) uuids[d.id] = d.uuid;
    expect(uuids.A).toBe(await out(host, ['blkid', '-o', 'value', '-s', 'UUID', `${diskA.device}p1`]));
    // B's enrolment added exactly one line to what A's left.
    const line = `${afterB.split('\n').find((l) => l.includes(uuids.B!))!}\n`;
    expect(afterB.replace(line, '')).toBe(afterA);
    // Outside the host's disk entry nothing moved.
    const head = before.slice(0, before.indexOf('    disk:'));
    expect(afterA.startsWith(head)).toBe(true);
    expect(afterB.slice(afterB.indexOf('    mountpoint:'))).toBe(before.slice(before.indexOf('    mountpoint:')));
    const marker = await onDisk('B', () => out(host, ['cat', `${LOOK}/.linkdest-backup`]));
    expect(JSON.parse(marker)).toMatchObject({ disk_id: 'B', host: host.name });
    const config = JSON.parse(await out(host, ['cat', '/etc/linkdest/linkdest.json']));
    expect(config.destination.disks).toEqual([{ id: 'A', uuid: uuids.A }, { id: 'B', uuid: uuids.B }]);
    expect(config.destination.mount).toEqual({ kind: 'uuid', fstype: 'ext4', options: ['noatime'] });
    // The config enrolment wrote is the one apply would write: nothing left to change.
    const plan = await runCli(['plan', '-i', inv]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  }, 180_000);

  test('enrolling the unknown disk\'s data is refused without confirmation', async () => {
    await host.check(['mkdir', '-p', LOOK]);
    await host.check(['mount', diskU.device, LOOK]);
    await host.check(['sh', '-c', `echo precious > ${LOOK}/precious.txt`]);
    await host.check(['umount', LOOK]);
    const r = await runCli(['disk', 'enroll', host.name, diskU.device, '-i', inv]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds data; refusing to format it');
    expect(r.stderr).toContain(`linkdest disk enroll ${host.name} ${diskU.device} --format-confirm`);
    expect(parseDocument(await readFile(inv, 'utf8')).toJS().hosts[host.name].disk.rotation.disks).toHaveLength(2);
  }, 120_000);

  const firstA: string[] = [];
  test('run 1, only A attached: A used, B and the unknown disk untouched', async () => {
    await unplug(diskB);
    await unplug(diskU);
    const r = await nightly();
    expect(r.code, r.log).toBe(0);
    expect(r.log).toContain('disk: A (disk A: the only enrolled disk attached)');
    expect(await out(host, ['findmnt', '-n', MOUNT])).toBe('');
    firstA.push(...(await onDisk('A', snapshots)));
    expect(firstA).toHaveLength(1);
  }, 180_000);

  test('run 2, only B attached: B starts its own chain (nothing to link to on B)', async () => {
    await unplug(diskA);
    await plug(diskB);
    await host.check(['sh', '-c', 'echo two > /srv/data/changing.txt']);
    const r = await nightly();
    expect(r.code, r.log).toBe(0);
    expect(r.log).toContain('disk: B (disk B: the only enrolled disk attached)');
    await onDisk('B', async () => {
      const s = await snapshots();
      expect(s).toHaveLength(1);
      expect(await out(host, ['stat', '-c', '%h', `${LOOK}/${host.name}/${s[0]}/srv/data/big.bin`])).toBe('1');
    });
  }, 180_000);

  test('run 3, A again: its chain continues from A\'s own snapshot; unchanged files share inodes on A', async () => {
    await unplug(diskB);
    await plug(diskA);
    await host.check(['sh', '-c', 'echo three > /srv/data/changing.txt']);
    const r = await nightly();
    expect(r.code, r.log).toBe(0);
    expect(r.log).toContain('disk: A');
    await onDisk('A', async () => {
      const s = await snapshots();
      expect(s).toHaveLength(2);
      expect(s[0]).toBe(firstA[0]);
      expect(await inode(s[1]!)).toBe(await inode(s[0]!));
      expect(await out(host, ['stat', '-c', '%h', `${LOOK}/${host.name}/${s[1]}/srv/data/big.bin`])).toBe('2');
      expect(await out(host, ['cat', `${LOOK}/${host.name}/${s[1]}/srv/data/changing.txt`])).toBe('three');
    });
  }, 180_000);

  test('both attached: the one with the older newest snapshot (B) is used, and the report says so', async () => {
    await plug(diskB);
    const r = await nightly();
    expect(r.code, r.log).toBe(0);
    expect(r.log).toMatch(/disk: B \(disk B: 2 enrolled disks attached, B \(newest snapshot \S+\), A \(newest snapshot \S+\); the one with the older newest snapshot is used\)/);
    await onDisk('B', async () => expect(await snapshots()).toHaveLength(2));
  }, 180_000);

  test('only the unknown disk attached: the run fails naming it, nothing is written anywhere', async () => {
    await unplug(diskA);
    await unplug(diskB);
    await plug(diskU);
    const r = await nightly();
    expect(r.code).toBe(1);
    expect(r.log).toContain('no enrolled disk attached (enrolled: A, B)');
    expect(r.log).toMatch(/attached but not enrolled \(not written to\): \/dev\/loop\d+ \(ext4, label linkdest/);
    expect(await out(host, ['ls', '-A', MOUNT])).toBe('');
    await host.check(['mount', '-o', 'ro', diskU.device, LOOK]);
    try {
      expect((await out(host, ['ls', '-A', LOOK])).split('\n').sort()).toEqual(['lost+found', 'precious.txt']);
    } finally {
      await host.check(['umount', LOOK]);
    }
    await unplug(diskU);
  }, 180_000);

  test('status and disk list show both disks; once B is away past max_absence it is flagged (exit 2, report, metrics)', async () => {
    await plug(diskA);
    const list = await runCli(['disk', 'list', host.name, '--json', '-i', inv]);
    const rows = JSON.parse(list.stdout).disks as { id: string; attached: boolean; absent: boolean; newestSnapshot?: string; freeBytes?: number }[];
    expect(rows.map((d) => [d.id, d.attached])).toEqual([['A', true], ['B', false]]);
    expect(rows.every((d) => d.newestSnapshot !== undefined && d.freeBytes !== undefined)).toBe(true);
    // B was last seen by the run that used it; wait until it has been away longer than the limit.
    const seen = JSON.parse(await out(host, ['cat', '/var/lib/linkdest/disks.json'])).disks.B.last_seen as string;
    const wait = Date.parse(seen) + (MAX_ABSENCE_S + 2) * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const r = await nightly();
    expect(r.code, r.log).toBe(2);
    expect(r.log).toMatch(/warning: disk B not seen for \d+m \d+s \(last seen [^)]+\), longer than rotation\.max_absence 0m 40s/);
    const metrics = await out(host, ['cat', METRICS]);
    expect(metrics).toContain(`linkdest_disk_absent{name="${host.name}",disk="B"} 1`);
    expect(metrics).toContain(`linkdest_disk_absent{name="${host.name}",disk="A"} 0`);
    expect(metrics).toMatch(new RegExp(`linkdest_disk_last_seen_timestamp_seconds\\{name="${host.name}",disk="A"\\} \\d+`));
    const st = await runCli(['status', '-i', inv]);
    expect(st.code, st.stdout + st.stderr).toBe(2);
    expect(st.stdout).toMatch(new RegExp(`${host.name} {2}disk A {2}attached {2}newest \\S+`));
    expect(st.stdout).toMatch(new RegExp(`${host.name} {2}disk B {2}not attached {2}newest \\S+ {2}last seen .* {2}ABSENT for`));
    expect(st.stdout).toContain(`warning: rotation disks away longer than rotation.max_absence: ${host.name} (disk B)`);
  }, 240_000);

  test('history reads the attached disk and names the other one with its span and last sighting', async () => {
    const r = await runCli(['history', host.name, '/srv/data/changing.txt', '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('read from disk A; the other enrolled disks hold their own versions (attach one to read it):');
    expect(r.stdout).toMatch(/ {2}disk B: snapshots \S+ to \S+, last seen 20\d\d-/);
  }, 120_000);

  test('run_on_attach on: apply installs and enables one plug-in trigger per enrolled disk', async () => {
    const doc = parseDocument(await readFile(inv, 'utf8'));
    doc.setIn(['hosts', host.name, 'disk', 'rotation', 'run_on_attach'], true);
    await writeFile(inv, doc.toString());
    const r = await runCli(['apply', '--yes', '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const id of ['A', 'B']) expect(await out(host, ['systemctl', 'is-enabled', `linkdest-attach-${id}.service`])).toBe('enabled');
  }, 180_000);

  test('retire B: gone from the inventory and the config, its trigger removed, its data untouched', async () => {
    const r = await runCli(['disk', 'retire', host.name, 'B', '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('linkdest-attach-B.service removed');
    expect((await host.exec(['test', '-e', '/etc/systemd/system/linkdest-attach-B.service'])).code).not.toBe(0);
    expect(await out(host, ['systemctl', 'is-enabled', 'linkdest-attach-A.service'])).toBe('enabled');
    expect(parseDocument(await readFile(inv, 'utf8')).toJS().hosts[host.name].disk.rotation.disks.map((d: { id: string }) => d.id)).toEqual(['A']);
    expect(JSON.parse(await out(host, ['cat', '/etc/linkdest/linkdest.json'])).destination.disks.map((d: { id: string }) => d.id)).toEqual(['A']);
    await plug(diskB);
    await onDisk('B', async () => expect(await snapshots()).toHaveLength(2));
  }, 120_000);

  test('re-enrolling B: a wrong id is refused by its marker, then B is adopted with its snapshots', async () => {
    const wrong = await runCli(['disk', 'enroll', host.name, diskB.device, '--id', 'C', '-i', inv]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`${diskB.device}p1 is marked as disk B, not C: enrol it with --id B`);
    const r = await runCli(['disk', 'enroll', host.name, diskB.device, '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`a linkdest filesystem (uuid ${uuids.B}), adopted with its snapshots`);
    expect(r.stdout).toContain('disk B enrolled');
    await onDisk('B', async () => expect(await snapshots()).toHaveLength(2));
  }, 120_000);
});

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: rotation on a host without systemd (cron, plain mount)', reason), () => {
  let bed: Testbed;
  let work: Workdir;

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('enrol, run from the cron command, the disk mounted by UUID for the run and unmounted after', async () => {
    work = await Workdir.create('rotation-cron');
    bed = await startHosts(1, { init: 'sshd-only' });
    const host = bed.hosts[0]!;
    const disk = await host.attachDisk(96 * 1024 * 1024);
    await host.check(['sh', '-c', 'mkdir -p /srv/data && echo hello > /srv/data/hello.txt']);
    const inv = await work.inventory({
      hosts: { [host.name]: { ssh: sshOf(host), disk: { rotation: {} }, mountpoint: MOUNT, sources: ['/srv/data'], retention: SMALL_DISK_RETENTION } },
    });
    const a = await runCli(['apply', '--yes', '-i', inv]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(await out(host, ['cat', '/etc/cron.d/linkdest'])).toContain(RUNTIME);
    const e = await runCli(['disk', 'enroll', host.name, disk.device, '-i', inv]);
    expect(e.code, e.stdout + e.stderr).toBe(0);
    const r = await host.exec(['node', RUNTIME, 'run']);
    expect(r.code, r.stderr).toBe(0);
    expect(await out(host, ['findmnt', '-n', MOUNT])).toBe('');
    expect(await out(host, ['cat', '/etc/fstab'])).not.toContain(MOUNT);
    await host.check(['mkdir', '-p', LOOK]);
    await host.check(['mount', '-o', 'ro', `${disk.device}p1`, LOOK]);
    try {
      expect(await out(host, ['sh', '-c', `cat ${LOOK}/${host.name}/latest/srv/data/hello.txt`])).toBe('hello');
    } finally {
      await host.check(['umount', LOOK]);
    }
  }, 300_000);
});

