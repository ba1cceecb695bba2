/**
 * `linkdest pin` / `unpin` over SSH on a test bed host provisioned by the real
 * `linkdest apply --yes` (systemd, `mount: static`), driven through the built binary: a
 * pinned snapshot outlives the nightly runs' thinning (daily: 1, keep_min: 1), `snapshots`
 * shows the pin and its note, bad input is refused in one line, and once unpinned the next
 * run prunes it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestHost, Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, type Workdir, e2eUnavailable, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { convergedHost } from '../provision-e2e/converged-host.ts';

const reason = e2eUnavailable();

interface Rows { rows: { name: string; status: string; pinned?: boolean; pinNote?: string }[] }

describe.skipIf(reason !== undefined)(suiteTitle('pin and unpin over SSH', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let inv = '';
  const cli = (args: string[]) => runCli([...args, '-i', inv], { timeoutMs: 180_000 });
  const rows = async (): Promise<Rows['rows']> => {
    const r = await cli(['snapshots', host.name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Rows).rows;
  };
  const runWait = async (): Promise<void> => {
    const r = await cli(['run', host.name, '--wait']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  };

  beforeAll(async () => {
    ({ bed, host, work, inv } = await convergedHost({
      tag: 'pins',
      prepare: async (h) => {
        await h.check(['mkdir', '-p', '/srv/data']);
        await h.check(['sh', '-c', 'echo kept > /srv/data/kept.txt']);
      },
      settings: (h, disk) => ({
        ssh: sshOf(h), disk: { usb: { device: disk.device }, label: 'pindisk' }, mountpoint: '/mnt/Backup', mount: 'static',
        sources: ['/srv/data'], retention: { ...SMALL_DISK_RETENTION, keep_min: 1, thin: { daily: 1 } },
      }),
    }));
  }, 600_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('a pinned snapshot outlives thinning; snapshots shows the pin and its note; unpinned, the next run prunes it', async () => {
    await runWait();
    const [first] = await rows();
    const pin = await cli(['pin', host.name, 'latest', '--note', 'before the upgrade']);
    expect([pin.code, pin.stdout, pin.stderr]).toEqual([0, `pinned ${first!.name} (before the upgrade): no retention rule deletes it until it is unpinned`, '']);

    // daily: 1 and keep_min: 1 would leave only the newest; the pinned one stays besides it.
    await runWait();
    await runWait();
    const after = await rows();
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ name: first!.name, pinned: true, pinNote: 'before the upgrade' });
    expect(after[1]!.pinned).toBeUndefined();
    const text = await cli(['snapshots', host.name]);
    expect(text.stdout).toMatch(/^SNAPSHOT +RESULT +PIN +FILES/m);
    expect(text.stdout).toMatch(new RegExp(`^${first!.name} +ok +pinned +\\d+ .*before the upgrade$`, 'm'));

    const un = await cli(['unpin', host.name, first!.name]);
    expect([un.code, un.stdout]).toEqual([0, `unpinned ${first!.name}: the retention rules apply to it again`]);
    expect((await rows()).filter((r) => r.pinned)).toEqual([]);
    await runWait();
    const last = await rows();
    expect(last).toHaveLength(1);
    expect(last[0]!.name > after[1]!.name).toBe(true);
  });

  test('refused in one line: a bad note before connecting, an unknown snapshot on the host', async () => {
    const note = await cli(['pin', host.name, 'latest', '--note', 'two\nlines']);
    expect([note.code, note.stderr.trim()]).toEqual([2, 'linkdest: pin: --note: expected one line of text without control characters (newlines, tabs, escapes)']);
    const unknown = await cli(['pin', host.name, '2020-01-01_00-00-00']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^linkdest: ${host.name}: pin: snapshot: no snapshot "2020-01-01_00-00-00"; snapshots go from `))]);
    expect((await rows()).filter((r) => r.pinned)).toEqual([]);
  });
});
