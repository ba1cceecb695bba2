import { describe, expect, test } from 'vitest';
import { buildRecipe } from '../../../provision/recipe.ts';
import { hostSettingsSchema } from '../../../inventory/schema.ts';
import { makeSpec } from '../provision/make-spec.ts';

const UA = '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01';
const UB = '9a2e4f10-1c3b-4d7e-8f2a-6b5c4d3e2f10';
const LB = '77b1aaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('a rotation host\'s recipe', () => {
  const spec = makeSpec({
    disk: {
      target: { kind: 'rotation', disks: [{ id: 'A', uuid: UA }, { id: 'B', uuid: UB, luks_uuid: LB }], run_on_attach: false, min_age: 72000, max_absence: 1209600 },
      filesystem: 'ext4', label: 'linkdest',
    },
  });
  const { resources, config } = buildRecipe(spec, { runtimeBundle: Buffer.from('') });

  test('no disk is partitioned, formatted, unit-mounted or marked by apply: enrolment does that, disk by disk', () => {
    const ids = resources.map((r) => r.id);
    expect(ids.filter((id) => /^(partition|filesystem|marker|fstab|mount-units):/.test(id))).toEqual([]);
    expect(ids.some((id) => id.includes('.automount') || id.includes('.mount'))).toBe(false);
  });

  test('the runtime config lists the disks, mounts by uuid, and names a key file only for the encrypted one', () => {
    expect(config.destination).toEqual({
      path: '/mnt/Backup', marker: '.linkdest-backup',
      mount: { kind: 'uuid', fstype: 'ext4', options: ['noatime'] },
      disks: [{ id: 'A', uuid: UA }, { id: 'B', uuid: UB, luks_uuid: LB, key_file: '/etc/linkdest/keys/B.key' }],
      rotation: { min_age_seconds: 72000, max_absence_seconds: 1209600, run_on_attach: false },
    });
  });
});

describe('inventory rotation settings', () => {
  const parse = (disk: unknown) => hostSettingsSchema.safeParse({ sources: ['/Apps'], disk });
  test.each<[string, unknown, string | undefined]>([
    ['enrolled disks and durations with days', { rotation: { disks: [{ id: 'A', uuid: UA }], max_absence: '14d', min_age: '20h' } }, undefined],
    ['no disk enrolled yet', { rotation: {} }, undefined],
    ['a duplicate id', { rotation: { disks: [{ id: 'A', uuid: UA }, { id: 'A', uuid: UB }] } }, 'disk id A is enrolled twice'],
    ['a duplicate uuid', { rotation: { disks: [{ id: 'A', uuid: UA }, { id: 'B', uuid: UA.toUpperCase() }] } }, `uuid ${UA.toUpperCase()} is enrolled twice`],
    ['a bad id', { rotation: { disks: [{ id: 'disk A', uuid: UA }] } }, 'expected a disk id of 1 to 16 letters'],
    ['a label is no uuid', { rotation: { disks: [{ id: 'A', uuid: 'linkdest' }] } }, 'expected a UUID as blkid prints it'],
    ['usb beside rotation', { usb: { device: '/dev/loop3' }, rotation: {} }, 'a disk is either usb or rotation, not both'],
  ])('%s', (_n, disk, message) => {
    const r = parse(disk);
    if (message === undefined) expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    else expect(r.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });
});
