/**
 * Two systemd hosts. host1's disk already holds someone else's ext4 filesystem with data:
 * apply refuses and the data stays intact, until --format-confirm names that filesystem.
 * host2's inventory is full of shell metacharacters: they travel as data, never as code.
 * (Labels are limited to [A-Za-z0-9._-] by the inventory itself, so they are not tried here.)
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { run } from '../../testbed/run.ts';
import {
  SMALL_DISK_RETENTION, Workdir, e2eUnavailable, fileExists, findFiles, out, parseJson, probe, runCli, sshOf, suiteTitle,
} from './bed.ts';

const reason = e2eUnavailable();
const tag = randomBytes(4).toString('hex');
const PWNED = `pwned-${tag}`;
const HOSTILE_SOURCE = `/srv/a b; touch /tmp/${PWNED}`;
const QUOTED_SOURCE = `/srv/it's "q" $(touch /tmp/${PWNED}) \`touch /tmp/${PWNED}\``;
const HOSTILE_MOUNT = '/mnt/my backup';
const HOSTILE_MARKER = `.mark;$(touch ${PWNED})`;

/** Someone else's disk: an ext4 filesystem with a file on it, made on the machine. */
async function foreignExt4(device: string): Promise<void> {
  await run('mkfs.ext4', ['-q', '-F', '-L', 'photos', device]);
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-e2e-foreign-'));
  try {
    await run('mount', [device, dir]);
    await writeFile(join(dir, 'holiday.jpg'), 'precious pixels\n');
    await run('umount', [dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function foreignDataIntact(device: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-e2e-check-'));
  try {
    await run('mount', ['-o', 'ro', device, dir]);
    try {
      return (await readFile(join(dir, 'holiday.jpg'), 'utf8')) === 'precious pixels\n';
    } finally {
      await run('umount', [dir]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: foreign data and hostile values', reason), () => {
  let bed: Testbed;
  let h1: TestHost;
  let h2: TestHost;
  let disk1: TestDisk;
  let disk2: TestDisk;
  let work: Workdir;
  let inv1 = '';
  let inv2 = '';

  beforeAll(async () => {
    work = await Workdir.create('refuse');
    bed = await startHosts(2);
    [h1, h2] = bed.hosts as [TestHost, TestHost];
    disk1 = await h1.attachDisk(128 * 1024 * 1024);
    disk2 = await h2.attachDisk(128 * 1024 * 1024);
    await foreignExt4(disk1.device);
    await h1.syncPartitions(disk1);
    await h1.check(['mkdir', '-p', '/srv/data']);
    for (const dir of [HOSTILE_SOURCE, QUOTED_SOURCE]) {
      await h2.check(['mkdir', '-p', dir]);
      await h2.check(['cp', '/etc/hostname', join(dir, 'payload.txt')]);
    }
    const common = { retention: SMALL_DISK_RETENTION };
    inv1 = await work.inventory({
      hosts: { [h1.name]: { ...common, ssh: sshOf(h1), disk: { usb: { device: disk1.device } }, sources: ['/srv/data'] } },
    }, 'foreign.yml');
    inv2 = await work.inventory({
      hosts: {
        [h2.name]: {
          ...common,
          ssh: sshOf(h2),
          disk: { usb: { device: disk2.device } },
          mountpoint: HOSTILE_MOUNT,
          marker: HOSTILE_MARKER,
          sources: [HOSTILE_SOURCE, QUOTED_SOURCE],
          exclude: [`$(touch /tmp/${PWNED})`, `*; touch /tmp/${PWNED}`],
        },
      },
    }, 'hostile.yml');
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('a disk with another ext4 filesystem: apply refuses that host, says why, data intact', async () => {
    const r = await runCli(['apply', '--yes', '-i', inv1]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${h1.name}\\s+failed\\s.*(ext4|photos|format-confirm)`, 'm'));
    expect(await probe(h1, disk1.device)).toMatchObject({ TYPE: 'ext4', LABEL: 'photos' });
    expect(await foreignDataIntact(disk1.device)).toBe(true);
  });

  test('--format-confirm with that filesystem UUID: formatted and converged', async () => {
    const uuid = (await probe(h1, disk1.device)).UUID!;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const r = await runCli(['apply', '--yes', '--json', '--format-confirm', uuid, '-i', inv1]);
    const doc = parseJson(r);
    expect(doc.exit_code, r.stdout + r.stderr).toBe(0);
    expect(doc.hosts[0]).toMatchObject({ host: h1.name, status: 'changed' });
    expect(await probe(h1, `${disk1.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    expect((await runCli(['plan', '-i', inv1])).code).toBe(0);
  });

  test('shell metacharacters in paths, marker and excludes are data: applied, nothing injected', async () => {
    const r = await runCli(['apply', '--yes', '-i', inv2]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const config = JSON.parse(await out(h2, ['cat', '/etc/linkdest/linkdest.json']));
    expect(config.sources.map((s: { path: string }) => s.path)).toEqual([HOSTILE_SOURCE, QUOTED_SOURCE]);
    expect(await fileExists(h2, join(HOSTILE_MOUNT, HOSTILE_MARKER))).toBe(true);
    expect((await runCli(['plan', '-i', inv2])).code).toBe(0);
  });

  test('the nightly run backs the hostile source paths up as data; no pwned file anywhere', async () => {
    const r = await h2.exec(['systemctl', 'start', 'linkdest.service']);
    const journal = r.code === 0 ? '' : await out(h2, ['journalctl', '-u', 'linkdest.service', '-n', '30', '--no-pager']);
    expect(r.code, journal).toBe(0);
    expect(await findFiles(h2, HOSTILE_MOUNT, 'payload.txt')).toHaveLength(2);
    expect(await fileExists(h2, `/tmp/${PWNED}`)).toBe(false);
    // The source directories themselves are named "... /tmp/pwned-..." on purpose: skip /srv.
    expect(await out(h2, ['find', '/', '-xdev', '-path', '/srv', '-prune', '-o', '-name', `*${PWNED}*`, '-print'])).toBe('');
    expect(existsSync(`/tmp/${PWNED}`)).toBe(false);
  });
});
