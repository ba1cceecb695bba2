import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import {
  AttachTriggerResource, attachDeviceUnit, attachTriggerRefusal, renderAttachUnit, type AttachDisk,
} from '../../../provision/resources/attach-trigger.ts';
import type { Facts } from '../../../provision/facts/types.ts';
import { EncryptionSupportResource } from '../../../provision/resources/encryption-support.ts';
import { commandNote, hasCommand } from '../../support/needs.ts';
import { fileFact, makeFacts } from '../provision/make-facts.ts';

const A: AttachDisk = { id: 'A', uuid: '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01' };
const B: AttachDisk = { id: 'B', uuid: '9a2e4f10-1c3b-4d7e-8f2a-6b5c4d3e2f10', luks_uuid: '77B1C0DE-1234-4ABC-9DEF-0123456789AB' };
const UNIT_A = '/etc/systemd/system/linkdest-attach-A.service';
const UNIT_B = '/etc/systemd/system/linkdest-attach-B.service';
const facts = makeFacts();
const converged = (over: Partial<Facts> = {}) => makeFacts({
  files: { [UNIT_A]: fileFact(renderAttachUnit(A, facts)), [UNIT_B]: fileFact(renderAttachUnit(B, facts)) },
  units: { 'linkdest-attach-A.service': { enabled: 'enabled', active: 'inactive' }, 'linkdest-attach-B.service': { enabled: 'enabled', active: 'inactive' } },
  ...over,
});

describe('the plug-in trigger unit', () => {
  test.each<[string, AttachDisk, string]>([
    ['a plain disk: its filesystem UUID', A, 'dev-disk-by\\x2duuid-3f1c2a4e\\x2d8b1d\\x2d4c55\\x2d9e0f\\x2d2a6b1c7d9e01.device'],
    ['an encrypted disk: the LUKS container, the only UUID visible before unlocking (lower case, as udev)', B, 'dev-disk-by\\x2duuid-77b1c0de\\x2d1234\\x2d4abc\\x2d9def\\x2d0123456789ab.device'],
  ])('%s', (_t, disk, unit) => {
    expect(attachDeviceUnit(disk)).toBe(unit);
  });

  test.skipIf(!hasCommand('systemd-escape'))(`the device unit name is what systemd-escape says${commandNote('systemd-escape')}`, async () => {
    const { stdout } = await promisify(execFile)('systemd-escape', ['--path', '--suffix=device', `/dev/disk/by-uuid/${A.uuid}`]);
    expect(attachDeviceUnit(A)).toBe(stdout.trim());
  });

  test('the unit runs `run --on-attach ID`, is wanted by and bound to the disk\'s device', () => {
    const text = renderAttachUnit(B, facts);
    const dev = attachDeviceUnit(B);
    expect(text).toContain('ExecStart=/usr/bin/node /usr/local/lib/linkdest/linkdest-runtime.mjs run --on-attach B --config /etc/linkdest/linkdest.json');
    expect(text).toContain(`\nWantedBy=${dev}\n`);
    expect(text).toContain(`\nBindsTo=${dev}\n`);
    expect(text).toContain(`\nAfter=${dev}\n`);
    expect(text).toContain('\nType=oneshot\n');
  });

  test.each<[string, boolean, Facts, string[]]>([
    ['a new host: both units written and enabled (not started)', true, makeFacts(), [
      `create ${UNIT_A}`, 'enable linkdest-attach-A.service (a run when disk A is attached)',
      `create ${UNIT_B}`, 'enable linkdest-attach-B.service (a run when disk B is attached)']],
    ['converged: nothing to do', true, converged(), []],
    ['disabled by hand: enabled again', true, converged({ units: { 'linkdest-attach-A.service': { enabled: 'disabled', active: 'inactive' }, 'linkdest-attach-B.service': { enabled: 'enabled', active: 'inactive' } } }),
      ['enable linkdest-attach-A.service (a run when disk A is attached)']],
    ['run_on_attach turned off: the units go', false, converged(), [
      `remove ${UNIT_A} (rotation.run_on_attach is off)`, `remove ${UNIT_B} (rotation.run_on_attach is off)`]],
    ['off and never on: nothing to do', false, makeFacts(), []],
    ['off on a host without systemd: nothing to do', false, makeFacts({ systemd: false }), []],
  ])('%s', (_t, enabled, f, summaries) => {
    expect(new AttachTriggerResource('marte', [A, B], enabled).check(f).map((c) => c.summary.replace(/ \(.*mode.*\)$/, ''))).toEqual(summaries);
  });

  test('on a host without systemd: one line at plan time', () => {
    expect(() => new AttachTriggerResource('marte', [A], true).check(makeFacts({ systemd: false })))
      .toThrow(/^marte: rotation\.run_on_attach needs systemd .* set run_on_attach: false/);
    expect(attachTriggerRefusal('marte', { systemd: true })).toBeUndefined();
  });
});

const dir = mkdtempSync(join(tmpdir(), 'linkdest-attach-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasCommand('systemd-analyze'))(`systemd-analyze verify of the trigger unit${commandNote('systemd-analyze')}`, () => {
  test.each([A, B])('disk $id', async (disk) => {
    writeFileSync(join(dir, 'linkdest-attach-x.service'), renderAttachUnit(disk, facts));
    const r = await promisify(execFile)('systemd-analyze', ['verify', '--man=no', '--generators=no', 'linkdest-attach-x.service'], { cwd: dir, env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` } })
      .then((o) => ({ code: 0, stderr: o.stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('a host that cannot open its encrypted disks: one line at plan time', () => {
  test.each<[string, string[], Partial<Facts>, RegExp | undefined]>([
    ['device-mapper and cryptsetup: fine', ['B'], { deviceMapper: true, commands: { cryptsetup: '/usr/sbin/cryptsetup' } }, undefined],
    ['no device-mapper', ['B'], { deviceMapper: false, commands: { cryptsetup: '/usr/sbin/cryptsetup' } }, /^marte cannot use encrypted disks: its kernel has no device-mapper .*; disk B is encrypted$/],
    ['no cryptsetup', ['B', 'C'], { deviceMapper: true, commands: {} }, /^marte cannot use encrypted disks: cryptsetup is not installed .*; disks B, C are encrypted$/],
    ['no encrypted disk: not asked', [], { deviceMapper: false, commands: {} }, undefined],
  ])('%s', (_t, ids, over, refused) => {
    const check = () => new EncryptionSupportResource('marte', ids).check(makeFacts(over));
    if (refused) expect(check).toThrow(refused);
    else expect(check()).toEqual([]);
  });
});
