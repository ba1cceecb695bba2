/**
 * `linkdest verify HOST --deep` over SSH on a test bed host provisioned by the real
 * `linkdest apply --yes`, after real nightly runs, through the built binary: clean, exit 0;
 * one byte flipped on the host's backup disk (same size, mtime put back), exit 1 with the
 * file, the snapshots sharing the inode and what to restore from; restored, 0 again.
 * The inventory's `verify: {schedule, sample}` is applied as linkdest-verify.timer (enabled),
 * its service writes the verify textfile, a changed schedule shows in `plan`, and once
 * `verify` leaves the inventory, plan names the removal and apply removes the units.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestHost, Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, type Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { convergedHost } from '../provision-e2e/converged-host.ts';

const reason = e2eUnavailable();

describe.skipIf(reason !== undefined)(suiteTitle('verify --deep over SSH', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let inv = '';
  let hostSettings: Record<string, unknown> = {};
  const cli = (args: string[]) => runCli([...args, '-i', inv], { timeoutMs: 180_000 });

  beforeAll(async () => {
    ({ bed, host, work, inv, settings: hostSettings } = await convergedHost({
      tag: 'verify',
      prepare: async (h) => {
        await h.check(['mkdir', '-p', '/srv/data', '/var/lib/node_exporter']);
        await h.check(['sh', '-c', 'seq 1 5000 > /srv/data/kept.txt; echo other > /srv/data/other.txt']);
      },
      settings: (h, disk) => ({
        ssh: sshOf(h), disk: { usb: { device: disk.device }, label: 'verifydisk' }, mountpoint: '/mnt/Backup', mount: 'static',
        sources: ['/srv/data'], retention: { ...SMALL_DISK_RETENTION, keep_min: 1 },
        verify: { schedule: 'Sun 04:00', sample: 50 }, report: { metrics_file: '/var/lib/node_exporter/linkdest.prom' },
      }),
    }));
  }, 600_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('clean: 0; a flipped byte: 1, named with the snapshots sharing it; restored: 0', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await cli(['run', host.name, '--wait']);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      await new Promise((res) => setTimeout(res, 1100));
    }
    const clean = await cli(['verify', host.name, '--deep', '--all']);
    expect(clean.code, `${clean.stdout}\n${clean.stderr}`).toBe(0);
    expect(clean.stdout).toContain('no mismatch');

    const set = (await out(host, ['sh', '-c', 'ls -d /mnt/Backup/*/ | head -1'])).trim().replace(/\/$/, '');
    const snaps = (await out(host, ['ls', set])).split('\n').filter((n) => /^\d{4}-/.test(n)).sort();
    expect(snaps).toHaveLength(2);
    const file = `${set}/${snaps[1]}/srv/data/kept.txt`;
    await host.check(['sh', '-c', 'touch -r "$1" /tmp/ref && printf X | dd of="$1" bs=1 seek=3 conv=notrunc status=none && touch -r /tmp/ref "$1"', 'sh', file]);
    const bad = await cli(['verify', host.name, '--deep', '--all']);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toContain(`MISMATCH srv/data/kept.txt in ${snaps[1]}: content differs from the manifest`);
    expect(bad.stdout).toContain(`is in 2 snapshot(s): ${snaps[1]}, ${snaps[0]}`);
    expect(bad.stdout).toContain('no intact copy in any snapshot');
    const j = JSON.parse((await cli(['verify', host.name, '--deep', '--all', '--json'])).stdout) as { host: string; deep: { mismatches: { path: string }[] } };
    expect([j.host, j.deep.mismatches.map((m) => m.path)]).toEqual([host.name, ['srv/data/kept.txt']]);

    await host.check(['sh', '-c', 'touch -r "$1" /tmp/ref && cp /srv/data/kept.txt "$1" && touch -r /tmp/ref "$1"', 'sh', file]);
    const fixed = await cli(['verify', host.name, '--deep', '--all']);
    expect(fixed.code, fixed.stdout).toBe(0);
  }, 600_000);

  test('verify: {schedule, sample} is a timer that runs the scheduled verify; plan shows a new schedule', async () => {
    expect((await out(host, ['systemctl', 'is-enabled', 'linkdest-verify.timer'])).trim()).toBe('enabled');
    expect(await out(host, ['systemctl', 'cat', 'linkdest-verify.timer'])).toContain('OnCalendar=Sun 04:00');
    await host.check(['systemctl', 'start', 'linkdest-verify.service']);
    const prom = await out(host, ['cat', '/var/lib/node_exporter/linkdest-verify.prom']);
    expect(prom).toMatch(/^linkdest_verify_mismatches\{name="[^"]+"\} 0$/m);
    expect(prom).toMatch(/^linkdest_verify_last_success_timestamp\{name="[^"]+"\} \d+/m);
    const other = await work.inventory({ hosts: { [host.name]: { ...hostSettings, verify: { schedule: 'Sat 05:00', sample: 50 } } } }, 'other.yml');
    const plan = await runCli(['plan', '-i', other], { timeoutMs: 180_000 });
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('linkdest-verify.timer');
    expect(plan.stdout).toContain('Sat 05:00');

    // verify removed from the inventory: plan names the removal, apply carries it out.
    const { verify: _verify, ...without } = hostSettings;
    const none = await work.inventory({ hosts: { [host.name]: without } }, 'none.yml');
    const retire = await runCli(['plan', '-i', none], { timeoutMs: 180_000 });
    expect(retire.code, retire.stderr).toBe(2);
    expect(retire.stdout).toContain('remove /etc/systemd/system/linkdest-verify.timer (verify is no longer in the inventory)');
    const applied = await runCli(['apply', '--yes', '-i', none], { timeoutMs: 300_000 });
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
    expect(await out(host, ['sh', '-c', 'ls /etc/systemd/system/linkdest-verify.* 2>/dev/null; systemctl is-enabled linkdest-verify.timer 2>&1; true'])).not.toMatch(/^enabled$/m);
    expect(await out(host, ['sh', '-c', 'ls /etc/systemd/system/ | grep -c linkdest-verify || true'])).toBe('0');
    expect((await runCli(['plan', '-i', none], { timeoutMs: 180_000 })).code).toBe(0);
  }, 600_000);
});
