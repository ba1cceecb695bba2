import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { attachDecision, runOnAttach } from '../../../runtime/disks/on-attach.ts';
import { writeDiskRecords } from '../../../runtime/disks/seen-record.ts';
import { stampOf } from '../../../runtime/layout.ts';
import { LinkdestError } from '../../../runtime/errors.ts';

const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });

async function setup(runOnAttachOn: boolean, newest?: Date) {
  const state = await mkdtemp(join(tmpdir(), 'linkdest-attach-'));
  dirs.push(state);
  const cfg = parseRuntimeConfig({
    sources: [{ path: '/srv' }], state_dir: state,
    destination: {
      path: '/mnt/Backup', mount: { kind: 'uuid', fstype: 'ext4' },
      disks: [{ id: 'A', uuid: '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01' }],
      rotation: { min_age_seconds: 20 * 3600, max_absence_seconds: 14 * 86400, run_on_attach: runOnAttachOn },
    },
  }, 'test');
  if (newest) await writeDiskRecords(state, { A: { known_since: new Date(0).toISOString(), newest_snapshot: stampOf(newest) } });
  return cfg;
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

describe('run --on-attach: the decision from the host\'s seen record', () => {
  test.each<[string, boolean, Date | undefined, string, boolean, RegExp]>([
    ['newest snapshot 30h old: a run', true, hoursAgo(30), 'A', true, /1d6h old \(min_age 20h0m\): starting a run/],
    ['newest snapshot 2h old: no run', true, hoursAgo(2), 'A', false, /only 2h0m old/],
    ['never seen: a run', true, undefined, 'A', true, /no snapshot known/],
    ['a disk that is not enrolled: no run', true, hoursAgo(30), 'Z', false, /disk Z was attached but is not enrolled/],
    ['run_on_attach off (a unit left behind): no run', false, hoursAgo(30), 'A', false, /run_on_attach is off/],
  ])('%s', async (_t, on, newest, id, run, reason) => {
    const d = await attachDecision(await setup(on, newest), id);
    expect(d.run).toBe(run);
    expect(d.reason).toMatch(reason);
  });

  test('runs only when due, and a run already holding the lock is not a failure', async () => {
    let runs = 0;
    const due = await setup(true, hoursAgo(30));
    expect(await runOnAttach(due, 'A', async () => { runs++; return { exitCode: 2 }; })).toBe(2);
    expect(await runOnAttach(await setup(true, hoursAgo(1)), 'A', async () => { runs++; return { exitCode: 1 }; })).toBe(0);
    expect(runs).toBe(1);
    expect(await runOnAttach(due, 'A', async () => { throw new LinkdestError('another linkdest run holds the lock', { exitCode: 75 }); })).toBe(0);
    await expect(runOnAttach(due, 'A', async () => { throw new LinkdestError('boom'); })).rejects.toThrow('boom');
  });
});
