/**
 * Five hosts at once: three healthy, one whose known_hosts entry was replaced by another
 * key (a man in the middle, as far as linkdest can tell), one address in the bed's subnet
 * where nothing listens. The healthy three converge; the table says which others failed
 * and why; the exit code is non-zero; --forks bounds the parallelism without changing that.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { run } from '../../testbed/run.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, parseJson, probe, runCli, sshOf, suiteTitle } from './bed.ts';

const reason = e2eUnavailable();

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: five hosts, one unreachable, one wrong host key', reason), () => {
  let bed: Testbed;
  let healthy: TestHost[];
  let spoofed: TestHost;
  let disks: TestDisk[];
  let work: Workdir;
  let inv = '';
  const ghost = 'ghost';

  beforeAll(async () => {
    work = await Workdir.create('fleet');
    bed = await startHosts(4);
    healthy = bed.hosts.slice(0, 3);
    spoofed = bed.hosts[3]!;
    disks = [];
    for (const h of bed.hosts) disks.push(await h.attachDisk(64 * 1024 * 1024));
    for (const h of bed.hosts) await h.check(['mkdir', '-p', '/srv/data']);

    // known_hosts where the spoofed host's address maps to a key it does not have.
    const otherKey = join(work.dir, 'other_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-the-host', '-f', otherKey]);
    const [type, key] = (await readFile(`${otherKey}.pub`, 'utf8')).trim().split(' ');
    const lines = (await readFile(bed.knownHosts, 'utf8')).trim().split('\n')
      .map((l) => (l.split(' ')[0] === spoofed.address ? `${spoofed.address} ${type} ${key}` : l));
    const knownHosts = join(work.dir, 'known_hosts');
    await writeFile(knownHosts, `${lines.join('\n')}\n`);

    // Nothing boots at .200 of the bed's /24 (hosts start at .10).
    const nobody = bed.gateway.replace(/\.1$/, '.200');
    const entry = (h: TestHost, i: number) => ({
      ssh: sshOf(h, knownHosts), disk: { usb: { device: disks[i]!.device } }, sources: ['/srv/data'],
    });
    inv = await work.inventory({
      defaults: { retention: SMALL_DISK_RETENTION },
      groups: { lab: { hosts: [...bed.hosts.map((h) => h.name), ghost] } },
      hosts: {
        ...Object.fromEntries(bed.hosts.map((h, i) => [h.name, entry(h, i)])),
        [ghost]: { ssh: { ...sshOf(healthy[0]!, knownHosts), host: nobody }, disk: { usb: { device: '/dev/loop99' } }, sources: ['/srv/data'] },
      },
    });
  });

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('plan: exit 1, the three healthy hosts still get a plan', async () => {
    const r = await runCli(['plan', '-i', inv]);
    expect(r.code).toBe(1);
    for (const h of healthy) expect(r.stdout).toMatch(new RegExp(`^${h.name}: \\d+ to change`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^${spoofed.name}: unreachable at connect: .*host key`, 'mi'));
    expect(r.stdout).toMatch(new RegExp(`^${ghost}: unreachable at connect: `, 'm'));
  });

  test('apply --yes --forks 2: the healthy three converge, the table names the others and why, exit 1', async () => {
    const r = await runCli(['apply', '--yes', '--forks', '2', '-i', inv]);
    expect(r.code).toBe(1);
    for (const h of healthy) expect(r.stdout).toMatch(new RegExp(`^${h.name}\\s+changed\\s+\\d+`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^${spoofed.name}\\s+unreachable\\s+-\\s+\\S+\\s+connect: .*host key`, 'mi'));
    expect(r.stdout).toMatch(new RegExp(`^${ghost}\\s+unreachable\\s+-\\s+\\S+\\s+connect: \\S`, 'm'));
    expect(r.stdout).toContain('5 hosts: 0 ok, 3 changed, 0 failed, 2 unreachable');
    for (const [i, h] of healthy.entries()) {
      expect(await probe(h, `${disks[i]!.device}p1`)).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    }
    // The host behind the wrong key was never touched.
    expect(await probe(spoofed, disks[3]!.device)).toEqual({});
  });

  test('afterwards the healthy three are in sync (--json), the others still reported', async () => {
    const doc = parseJson(await runCli(['plan', '--json', '-i', inv]));
    expect(doc.exit_code).toBe(1);
    expect(doc.summary).toEqual({ ok: 3, changed: 0, failed: 0, unreachable: 2 });
    for (const h of doc.hosts.slice(0, 3)) expect(h).toMatchObject({ status: 'ok', changes: [], commands: { mutating: 0 } });
    expect(doc.hosts.map((h) => h.host)).toEqual([...bed.hosts.map((h) => h.name), ghost]);
    const limited = await runCli(['plan', '--limit', healthy.map((h) => h.name).join(','), '-i', inv]);
    expect(limited.code).toBe(0);
  });
});
