/**
 * Day-two commands on a host without systemd (test bed init 'sshd-only', provisioned by the
 * real `linkdest apply --yes`: fstab line, /etc/cron.d/linkdest), driven through the built
 * `linkdest` binary: run --wait starts the runtime detached under setsid and follows it;
 * a run started without --wait outlives the SSH connection and holds the lock, so restore,
 * a second run and uninstall exit 75; status takes the last run from last-run.json and the next run
 * from the cron line; a skipped run is reported as such; a deleted file is restored.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestHost, Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, type Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { convergedHost } from '../provision-e2e/converged-host.ts';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';
const HOLD = '/tmp/linkdest-e2e-hold';
/** Written by the pre hook: the run holds the lock and has opened its log. */
const STARTED = '/tmp/linkdest-e2e-started';
const SKIP = '/tmp/linkdest-e2e-skip';
/** Waits while HOLD exists (a run in progress, for as long as the test wants); fails when SKIP exists. */
const PRE_HOOK = ['sh', '-c', `if [ -e ${SKIP} ]; then echo "skip requested" >&2; exit 3; fi; : > ${STARTED}; while [ -e ${HOLD} ]; do sleep 0.2; done`];

interface StatusDoc { exit_code: number; hosts: { host: string; result: string; reason?: string; nextRun?: string; snapshots?: number; stale: boolean }[] }

describe.skipIf(reason !== undefined)(suiteTitle('day-two operations on a cron host (no systemd)', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let inv = '';
  const cli = (args: string[]) => runCli([...args, '-i', inv], { timeoutMs: 180_000 });
  const status = async (): Promise<StatusDoc> => JSON.parse((await cli(['status', '--json'])).stdout) as StatusDoc;
  const record = async (): Promise<Record<string, unknown>> => JSON.parse(await out(host, ['cat', '/var/lib/linkdest/last-run.json'])) as Record<string, unknown>;

  async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  beforeAll(async () => {
    ({ bed, host, work, inv } = await convergedHost({
      tag: 'cronops',
      init: 'sshd-only',
      prepare: async (h) => {
        await h.check(['mkdir', '-p', '/srv/data']);
        await h.check(['sh', '-c', 'echo nightly > /srv/data/cron.txt']);
      },
      settings: (h, disk) => ({
        ssh: sshOf(h), disk: { usb: { device: disk.device }, label: 'cronops' }, mountpoint: MOUNT, mount: 'fstab',
        schedule: '*-*-* 02:30:00', sources: ['/srv/data'], retention: SMALL_DISK_RETENTION, hooks: { pre: [PRE_HOOK] },
      }),
    }));
  }, 600_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('run --wait: the log as it grows, exit 0, a snapshot, no temp files left', async () => {
    expect(await out(host, ['test', '-d', '/run/systemd/system'])).toBe('');
    const r = await cli(['run', host.name, '--wait']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${host.name}: .*status: ok \\(exit 0\\)`, 'm'));
    expect(r.stdout).toContain(`${host.name}: run ended with exit code 0`);
    const snaps = JSON.parse((await cli(['snapshots', host.name, '--json'])).stdout) as { rows: { status: string }[] };
    expect(snaps.rows.map((s) => s.status)).toEqual(['ok']);
    expect(await out(host, ['sh', '-c', 'ls -d /tmp/linkdest-run.* 2>/dev/null'])).toBe('');
    expect(await out(host, ['findmnt', '-n', MOUNT])).toBe(''); // the runtime unmounted what it mounted
  });

  test('status: ok from last-run.json (0644), next run from the cron line', async () => {
    expect(await record()).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(await out(host, ['stat', '-c', '%a', '/var/lib/linkdest/last-run.json'])).toBe('644');
    const r = await cli(['status']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${host.name}\\s+ok\\s`, 'm'));
    const row = (await status()).hosts[0]!;
    expect(row).toMatchObject({ result: 'ok', snapshots: 1, stale: false });
    const next = Date.parse(row.nextRun!);
    expect(next - Date.now()).toBeGreaterThan(0);
    expect(next - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    // 02:30 in the host's own time zone, as cron reads the line.
    expect(await out(host, ['date', '-d', `@${next / 1000}`, '+%H:%M'])).toBe('02:30');
  });

  test('a run started without --wait outlives the SSH connection; meanwhile restore, a second run and uninstall exit 75', async () => {
    await host.check(['touch', HOLD]);
    await host.check(['rm', '-f', STARTED]);
    try {
      const started = await cli(['run', host.name]);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stdout).toContain('run started');
      // The CLI has exited and its SSH connection is closed: the run must still be there.
      await until('the run to reach its pre hook', async () => (await host.exec(['test', '-e', STARTED])).code === 0);
      const restore = await cli(['restore', host.name, '/srv/data/cron.txt', '--to', '/root/restore']);
      expect(restore.code).toBe(75);
      expect(restore.stderr.trim()).toMatch(new RegExp(`^linkdest: ${host.name}: restore: lock: a backup run \\(pid \\d+\\) is in progress, so a restore cannot start now; nothing was changed`));
      expect(await out(host, ['ls', '/root/restore'])).toBe('');
      const second = await cli(['run', host.name, '--wait']);
      expect(second.code).toBe(75);
      expect(second.stderr).toMatch(/a run is already in progress .*linkdest logs/);
      // The run has the disk (here: about to mount it): no false alarm, the record's last success counts.
      const during = await status();
      expect(during.exit_code).toBe(0);
      expect(during.hosts[0]).toMatchObject({ result: 'running', stale: false });
      expect(during.hosts[0]!.reason).toBeUndefined();
      const uninstall = await cli(['uninstall', host.name, '--yes']);
      expect(uninstall.code, uninstall.stderr).toBe(75);
      expect(await out(host, ['cat', '/etc/cron.d/linkdest'])).toMatch(/^30 2 \* \* \* root /m);
    } finally {
      await host.exec(['rm', '-f', HOLD]);
    }
    await until('the run to end', async () => (await host.exec(['test', '-e', '/var/lib/linkdest/linkdest.lock'])).code !== 0);
    expect((await status()).hosts[0]).toMatchObject({ result: 'ok', snapshots: 2 });
  });

  test('restore of a deleted file over SSH, the disk unmounted before and after', async () => {
    await host.check(['rm', '/srv/data/cron.txt']);
    const dry = await cli(['restore', host.name, '/srv/data/cron.txt', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^>f\+{9} cron\.txt$/m);
    expect(await out(host, ['ls', '/srv/data'])).toBe('');
    // The newest snapshot was taken before the delete: the default (latest) has the file.
    const r = await cli(['restore', host.name, '/srv/data/cron.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored .* -> \/srv\/data\/cron\.txt \(snapshot \d{4}-/m);
    expect(await out(host, ['cat', '/srv/data/cron.txt'])).toBe('nightly');
    expect(await out(host, ['findmnt', '-n', MOUNT])).toBe('');
  });

  test('a skipped run (pre hook failed): run --wait exits 1, status says skipped and why', async () => {
    await host.check(['touch', SKIP]);
    try {
      const r = await cli(['run', host.name, '--wait']);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toContain('skip requested');
    } finally {
      await host.exec(['rm', '-f', SKIP]);
    }
    expect(await record()).toMatchObject({ status: 'skipped', exitCode: 1 });
    const doc = await status();
    expect(doc.exit_code).toBe(0); // the snapshot from before is still fresh
    expect(doc.hosts[0]).toMatchObject({ result: 'skipped', snapshots: 2, stale: false });
    expect(doc.hosts[0]!.reason).toMatch(/^hook sh \(arguments in the log\) failed \(exit 3\): backup skipped/);
  });

  test('a log directory that cannot be written (read-only): the backup still runs, run --wait shows the runtime\'s own warning, status says why', async () => {
    const logs = '/var/log/linkdest';
    const before = await out(host, ['ls', logs]);
    // A filesystem remounted read-only after errors, the way a dying disk leaves /var/log.
    await host.check(['mount', '--bind', logs, logs]);
    try {
      await host.check(['mount', '-o', 'remount,bind,ro', logs]);
      const r = await cli(['run', host.name, '--wait']);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
      // No log file to follow: what the runtime said on stderr is what the admin sees.
      const said = r.stdout.split('\n').filter((l) => l.startsWith(`${host.name}: linkdest-runtime: `));
      expect(said, r.stdout).toEqual([
        expect.stringMatching(new RegExp(`^${host.name}: linkdest-runtime: warning: cannot write the log file ${logs}/linkdest-[\\d_-]+\\.log: EROFS: read-only file system; this run's log is only on stdout and in the report$`)),
      ]);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await host.exec(['umount', logs]);
    }
    expect(await out(host, ['ls', logs])).toBe(before);
    expect(await record()).toMatchObject({ status: 'warning', exitCode: 2, warnings: [expect.stringMatching(/^log: cannot write the log file .*EROFS: read-only file system/)] });
    const doc = await status();
    expect(doc.hosts[0]).toMatchObject({ result: 'warning', snapshots: 3, stale: false });
    expect(doc.hosts[0]!.reason).toMatch(/^log: cannot write the log file/);
    expect(await out(host, ['sh', '-c', 'ls -d /tmp/linkdest-run.* 2>/dev/null'])).toBe('');
  });
});
