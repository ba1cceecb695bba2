/** Every unit linkdest renders passes `systemd-analyze verify`, hostile mount points included. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { renderMountUnits } from '../../../provision/resources/mount-units.ts';
import { VERIFY_JOB, renderSchedule } from '../../../provision/resources/schedule.ts';
import { hasCommand, commandNote } from '../../support/needs.ts';
import { makeFacts } from './make-facts.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'linkdest-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Works without systemd as PID 1: no generators, no man page lookups, our dir first. */
async function verify(files: { path: string; content: string }[]): Promise<{ code: number; stderr: string }> {
  const sub = mkdtempSync(join(dir, 'u-'));
  const names = files.map((f) => {
    const name = f.path.split('/').pop()!;
    writeFileSync(join(sub, name), f.content);
    return name;
  });
  try {
    const r = await run('systemd-analyze', ['verify', '--man=no', '--generators=no', ...names], { cwd: sub, env: { ...process.env, SYSTEMD_UNIT_PATH: `${sub}:` } });
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

const MOUNTPOINTS = ['/mnt/Backup', '/mnt/My Backup', "/mnt/it's $(reboot); `id` \"q\" 100%", '/srv/Grüße'];

describe.skipIf(!hasCommand('systemd-analyze'))(`systemd-analyze verify${commandNote('systemd-analyze')}`, () => {
  test.each(MOUNTPOINTS.flatMap((mp) => [[mp, 'automount'], [mp, 'static']] as const))('%j (%s)', async (mountpoint, kind) => {
    const units = renderMountUnits({ kind, mountpoint, fstype: 'ext4', netdev: kind === 'static' }, '0a1b2c3d-0000-4000-8000-000000000000');
    const r = await verify(units);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test.each(['*-*-* 02:30:00', 'daily', 'Mon..Fri 01:00'])('service + timer, OnCalendar=%s', async (schedule) => {
    const r = await verify(renderSchedule({ schedule, randomizedDelaySec: 120 }, makeFacts({ node: { path: '/usr/bin/node', version: '18.19.0' } })));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('verify service + timer run `verify --scheduled`', async () => {
    const files = renderSchedule({ schedule: 'Sun 04:00', randomizedDelaySec: 600 }, makeFacts({ node: { path: '/usr/bin/node', version: '18.19.0' } }), VERIFY_JOB);
    expect(files.find((f) => f.path.endsWith('linkdest-verify.service'))!.content).toContain('ExecStart=/usr/bin/node /usr/local/lib/linkdest/linkdest-runtime.mjs verify --scheduled --config /etc/linkdest/linkdest.json');
    expect(files.find((f) => f.path.endsWith('linkdest-verify.timer'))!.content).toContain('Unit=linkdest-verify.service');
    const r = await verify(files);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('the check can fail: a Where= that does not match the unit name is reported', async () => {
    const [mount] = renderMountUnits({ kind: 'static', mountpoint: '/mnt/Backup', fstype: 'ext4', netdev: false }, 'u');
    const r = await verify([{ path: mount!.path, content: mount!.content.replace('Where=/mnt/Backup', 'Where=/mnt/Other') }]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Where=|not matching/i);
  });

  test('the check can fail: a bad OnCalendar is reported', async () => {
    const r = await verify(renderSchedule({ schedule: 'daily; $(reboot)', randomizedDelaySec: 120 }, makeFacts()));
    expect(r.stderr).toMatch(/OnCalendar|calendar/i);
  });
});
