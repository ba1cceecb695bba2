/**
 * Day-two commands end to end over SSH on a test bed host provisioned by `linkdest apply`
 * (systemd, a real loop disk, a mount unit the runtime starts and stops; mount unset, so an
 * automount or, on a kernel without autofs, a static unit stopped after apply): run --wait,
 * status (after a good run, after a failed one, and with an unreachable host), restore
 * over SSH with the disk unmounted, history, and uninstall leaving every snapshot intact.
 * The host-side commands are those of the runtime bundle that `apply` installed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestHost, Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, type Workdir, e2eUnavailable, out, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { convergedHost } from '../provision-e2e/converged-host.ts';
import { INSTALLED_RUNTIME } from '../../../provision/ops/remote.ts';
import { runStatus } from '../../../provision/commands/status.ts';
import { runNow } from '../../../provision/commands/run.ts';
import { runRestore } from '../../../provision/commands/restore.ts';
import { runHistory } from '../../../provision/commands/history.ts';
import { runUninstall } from '../../../provision/commands/uninstall.ts';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';
const WEIRD = "/srv/data/it's a $(touch PWNED) `id` file.txt";

describe.skipIf(reason !== undefined)(suiteTitle('day-two operations over SSH', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let inv = '';
  let both = '';
  const loc = INSTALLED_RUNTIME;
  let text = '';
  const write = (s: string): void => { text += s; };
  /** Every file on the backup disk with its checksum (the disk mounted for the look). */
  const snapshotFiles = (): Promise<string> => out(host, ['sh', '-c',
    'u=$(systemd-escape --path --suffix=mount "$1"); systemctl reset-failed "$u"; systemctl start "$u" && cd "$1" && find . -path ./lost+found -prune -o -type f -print0 | sort -z | xargs -0 sha1sum',
    'sh', MOUNT]);

  beforeAll(async () => {
    let hostEntry: Record<string, unknown>;
    ({ bed, host, work, inv, settings: hostEntry } = await convergedHost({
      tag: 'ops',
      prepare: async (h) => {
        await h.check(['mkdir', '-p', '/srv/data/sub']);
        await h.check(['sh', '-c', 'echo hello > /srv/data/hello.txt; echo deep > /srv/data/sub/deep.txt']);
        await h.check(['sh', '-c', 'cat > "$1"', 'sh', WEIRD], { input: 'weird\n' });
      },
      settings: (h, disk) => ({ ssh: sshOf(h), disk: { usb: { device: disk.device }, label: 'opsdisk' }, mountpoint: MOUNT, sources: ['/srv/data'], retention: SMALL_DISK_RETENTION }),
    }));
    // An inventory host where nothing listens: loopback, a closed port.
    both = await work.inventory({ hosts: { [host.name]: hostEntry, gone: { sources: ['/srv/data'], ssh: { host: '127.0.0.1', port: 9, user: 'root', identity: host.ssh.identity, known_hosts: host.ssh.known_hosts } } } }, 'both.yml');
    // mount is unset: where the kernel has no autofs the facts chose a static mount unit,
    // mounted by apply. Stopped, the host is in the state an automount host is in between
    // runs (disk unmounted), which is what these commands are about.
    if (!bed.autofs) await host.check(['systemctl', 'stop', await out(host, ['systemd-escape', '--path', '--suffix=mount', MOUNT])]);
  }, 600_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('run --wait follows the log and exits with the run\'s result', async () => {
    text = '';
    const code = await runNow([host.name], { inventory: inv, wait: true }, { runtime: loc, write, pollMs: 300 });
    expect(code, text).toBe(0);
    expect(text).toMatch(/status: ok \(exit 0\)/);
    expect(text).toContain(`${host.name}: run ended with exit code 0`);
  });

  test('status tells the truth: fresh snapshot, disk unmounted, next run, versions', async () => {
    text = '';
    const { code, rows } = await runStatus({ inventory: inv, maxAge: '26h' }, { runtime: loc, write });
    expect(code, text).toBe(0);
    expect(rows[0]).toMatchObject({ host: host.name, result: 'ok', snapshots: 1, mounted: false, stale: false });
    expect(Date.parse(rows[0]!.nextRun!)).toBeGreaterThan(Date.now());
    expect(rows[0]!.freeBytes).toBeGreaterThan(0);
    expect(await out(host, ['findmnt', '-n', '-t', 'ext4', MOUNT])).toBe(''); // status unmounted what it mounted
  });

  test('after a failed run status shows the failure and its reason; an unreachable host is a row', async () => {
    await host.check(['mv', '/srv/data', '/srv/data.away']);
    try {
      text = '';
      expect(await runNow([host.name], { inventory: inv, wait: true }, { runtime: loc, write, pollMs: 300 })).toBe(1);
    } finally {
      await host.check(['mv', '/srv/data.away', '/srv/data']);
    }
    text = '';
    const { code, rows } = await runStatus({ inventory: both, maxAge: '26h' }, { runtime: loc, write });
    expect(code).toBe(1);
    const mine = rows.find((r) => r.host === host.name)!;
    expect(mine).toMatchObject({ result: 'failed', stale: false, snapshots: 1 });
    expect(mine.reason).toMatch(/srv\/data/);
    expect(rows.find((r) => r.host === 'gone')).toMatchObject({ result: 'unreachable', stale: true });
    expect(text).toMatch(/^gone\s+unreachable/m);
  });

  test('restore over SSH with the disk unmounted: a deleted file with a hostile name comes back', async () => {
    await host.check(['rm', WEIRD]);
    text = '';
    const r = await runRestore(host.name, WEIRD, { inventory: inv }, { runtime: loc, write });
    expect(r.changes).toHaveLength(1);
    expect(await out(host, ['cat', WEIRD])).toBe('weird');
    expect(await out(host, ['sh', '-c', 'ls / /root /srv/data | grep -x PWNED'])).toBe('');
    expect(await out(host, ['findmnt', '-n', '-t', 'ext4', MOUNT])).toBe('');
  });

  test('restore refuses a newer file over SSH, naming it; history lists the versions', async () => {
    await host.check(['sh', '-c', 'echo changed today > /srv/data/hello.txt']);
    let err = '';
    await runRestore(host.name, '/srv/data', { inventory: inv }, { runtime: loc, write, stderr: (s) => { err += s; } }).catch((e: Error) => { err += e.message; });
    expect(err).toContain('/srv/data/hello.txt');
    expect(err).toMatch(/newer than in snapshot/);
    expect(await out(host, ['cat', '/srv/data/hello.txt'])).toBe('changed today');
    const h = await runHistory(host.name, '/srv/data/hello.txt', { inventory: inv }, { runtime: loc, write });
    expect(h.items.filter((i) => i.version > 0)).toHaveLength(1);
  });

  test('uninstall removes schedule and runtime, keeps config, disk, mount unit and every snapshot', async () => {
    const before = await snapshotFiles();
    expect(before).toMatch(/hello\.txt/);
    await host.exec(['systemctl', 'stop', `${await out(host, ['systemd-escape', '--path', '--suffix=mount', MOUNT])}`]);
    text = '';
    const plan = await runUninstall(host.name, { inventory: inv, yes: true }, { write });
    expect(plan.removed).toContain('/etc/systemd/system/linkdest.timer');
    for (const gone of ['/etc/systemd/system/linkdest.timer', '/etc/systemd/system/linkdest.service', '/usr/local/lib/linkdest/linkdest-runtime.mjs']) {
      expect((await host.exec(['test', '-e', gone])).code, gone).not.toBe(0);
    }
    expect((await host.exec(['test', '-e', '/etc/linkdest/linkdest.json'])).code).toBe(0);
    expect(text).toMatch(/Kept:[\s\S]*linkdest\.json \(use --purge-config/);
    expect(await snapshotFiles()).toBe(before);
  });
});
