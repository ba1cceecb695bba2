/**
 * Hostile values in the string fields of a HostSpec travel as data: in the runtime config
 * (JSON), unit files (verified by systemd elsewhere), the fstab line, and every argv, which
 * a real `sh` splits back into exactly the same words after quoteArgv.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { buildRecipe, runtimeConfigFor } from '../../../provision/recipe.ts';
import { parseFstab } from '../../../provision/facts/parse-mounts.ts';
import { fstabLine } from '../../../provision/resources/fstab.ts';
import { renderMountUnits } from '../../../provision/resources/mount-units.ts';
import { mkfsArgv } from '../../../provision/resources/filesystem.ts';
import { installArgv } from '../../../provision/resources/packages.ts';
import { gatherArgs } from '../../../provision/facts/gather.ts';
import { quoteArgv } from '../../../provision/transport/quote.ts';
import { makeSpec } from './make-spec.ts';

const EVIL = [`$(touch /tmp/pwned)`, 'a b', `it's`, `"q"`, '; rm -rf /', '`id`', '|&>', '%n\\t'];
const evilPath = `/mnt/${EVIL.join('')}`.replaceAll('\\', '');

function roundTrip(argv: string[]): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('hostile values', () => {
  const spec = makeSpec({
    name: 'host $(x)',
    mountpoint: evilPath,
    marker: `.m $(touch x); 'q' "d"`,
    disk: { target: { kind: 'usb', device: `/dev/disk/by-id/usb-${EVIL[0]}` }, filesystem: 'ext4', label: `l'$(x);"` },
    runtime: { ...makeSpec().runtime, sources: [{ path: `/Apps/${EVIL.join(' ')}`, one_file_system: false, exclude: EVIL }], exclude: EVIL },
  });

  test('runtime config carries them as JSON strings', () => {
    const config = runtimeConfigFor(spec);
    const text = JSON.stringify(config);
    expect(JSON.parse(text).sources[0].path).toBe(`/Apps/${EVIL.join(' ')}`);
    expect(config.destination.path).toBe(evilPath);
    expect(config.exclude).toEqual(EVIL);
  });

  test('recipe builds (validation accepts odd but legal names)', () => {
    expect(buildRecipe(spec, { runtimeBundle: Buffer.from('x') }).resources.length).toBeGreaterThan(8);
  });

  test('fstab line parses back to the same mount point', () => {
    const [entry] = parseFstab(fstabLine({ mountpoint: evilPath, fstype: 'ext4', netdev: false }, 'u'));
    expect(entry!.target).toBe(evilPath);
    expect(entry!.options).toEqual(['noatime', 'nofail']);
  });

  test('unit files: one line per key, the value intact apart from %% for specifiers', () => {
    const [mount] = renderMountUnits({ kind: 'static', mountpoint: evilPath, fstype: 'ext4', netdev: false }, 'u');
    expect(mount!.content.split('\n').filter((l) => l.startsWith('Where='))).toEqual([`Where=${evilPath.replaceAll('%', '%%')}`]);
  });

  test.each([
    ['mkfs', mkfsArgv('ext4', spec.disk!.label, `/dev/${EVIL[0]}`)],
    ['install', installArgv('apt', EVIL)],
    ['gather', ['sh', '-c', 'x', 'n', ...gatherArgs({ files: [{ path: evilPath }], units: [EVIL[1]!], device: spec.disk!.target.kind === 'usb' ? spec.disk!.target.device : '', marker: { mountpoint: evilPath, name: spec.marker } })]],
  ])('%s argv survives the shell unchanged', (_name, argv) => {
    expect(roundTrip(argv)).toEqual(argv);
  });

  test('line breaks are refused with the field named', () => {
    expect(() => buildRecipe(makeSpec({ schedule: 'daily\nExecStart=/bin/sh' }), { runtimeBundle: Buffer.from('') })).toThrow('linkdest.yml:3:3: schedule: must be one line');
    expect(() => buildRecipe(makeSpec({ mountpoint: '/mnt/../etc' }), { runtimeBundle: Buffer.from('') })).toThrow(/mountpoint: .* must be an absolute path/);
    expect(() => buildRecipe(makeSpec({ disk: { target: { kind: 'usb', device: '/dev/sdb' }, filesystem: 'ext4', label: 'much-too-long-label' } }), { runtimeBundle: Buffer.from('') }))
      .toThrow('disk.label: ext4 labels are 1 to 16 bytes');
  });
});
