import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseGatherOutput, gatherArgs, holderName } from '../../../provision/facts/gather.ts';
import { mergeQueries, type FactQuery } from '../../../provision/facts/types.ts';

const output = readFileSync(new URL('fixtures/gather-debian-loop-gpt-ext4.txt', import.meta.url), 'utf8');
const query: FactQuery = {
  files: [{ path: '/etc/os-release' }, { path: '/etc/shadow', secret: true }, { path: '/nonexistent' }],
  units: ['linkdest.timer'],
  device: '/dev/loop1',
  marker: { mountpoint: '/tmp/ldcap/mnt-none', name: '.linkdest-backup' },
};

describe('gather output (captured on Debian 12 with a GPT + ext4 loop disk)', () => {
  const facts = parseGatherOutput(output, 'FIXTURE', query);

  test('host facts', () => {
    expect(facts.os.id).toBe('debian');
    expect(facts.systemd).toBe(false);
    expect(facts.packageManager).toBe('apt');
    expect(facts.node).toEqual({ path: '/usr/bin/node', version: '20.20.2' });
    expect(facts.rsync?.version).toMatch(/^\d+\.\d+/);
    expect(facts.commands.parted).toBe('/usr/sbin/parted');
  });

  test('files: content of normal files, only a hash of secret ones', () => {
    // On Debian /etc/os-release is a symlink to ../usr/lib/os-release; the hash and content are the target's.
    expect(facts.files['/etc/os-release']).toMatchObject({ exists: true, type: 'symlink' });
    expect(facts.files['/etc/os-release']!.content).toContain('ID=debian');
    expect(facts.files['/etc/shadow']!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.files['/etc/shadow']!.content).toBeUndefined();
    expect(facts.files['/nonexistent']).toEqual({ exists: false });
    expect(output).not.toContain('root:');
  });

  test('units without systemd are not found', () => {
    expect(facts.units['linkdest.timer']).toEqual({ enabled: 'not-found', active: 'inactive' });
  });

  test('disk: partitions, signatures, marker seen by debugfs', () => {
    const d = facts.disk!;
    expect(d.resolved).toBe('/dev/loop1');
    expect(d.device?.children.map((c) => c.path)).toEqual(['/dev/loop1p1']);
    expect(d.probe['/dev/loop1']?.PTTYPE).toBe('gpt');
    expect(d.probe['/dev/loop1p1']).toMatchObject({ TYPE: 'ext4', LABEL: 'linkdest' });
    expect(d.signatures['/dev/loop1p1']?.map((s) => s.type)).toEqual(['ext4']);
    expect(d.rootNames['/dev/loop1p1']).toContain('.linkdest-backup');
    expect(facts.marker).toEqual({ ...query.marker, exists: false });
  });

  test('a truncated output is an error, not partial facts', () => {
    expect(() => parseGatherOutput(output.slice(0, output.indexOf('@@FIXTURE end')), 'FIXTURE', query)).toThrow(/did not finish/);
  });

  test('a header forged in raw text (fstab) with another nonce is just text', () => {
    const forged = output.replace('# UNCONFIGURED FSTAB FOR BASE SYSTEM', '@@OTHER file 2\nstat regular file|777|x|x|1');
    const f = parseGatherOutput(forged, 'FIXTURE', query);
    expect(f.files['/nonexistent']).toEqual({ exists: false });
    expect(f.fstab.map((e) => e.source)).toEqual(['@@OTHER', 'stat']);
  });
});

describe('query', () => {
  test('merge keeps one entry per path and secret wins', () => {
    const q = mergeQueries([{ files: [{ path: '/a' }] }, { files: [{ path: '/a', secret: true }, { path: '/b' }], units: ['x'] }, { units: ['x'] }]);
    expect(q.files).toEqual([{ path: '/a', secret: true }, { path: '/b', secret: false }]);
    expect(q.units).toEqual(['x']);
  });
  test('args: user values are separate words', () => {
    expect(gatherArgs({ files: [{ path: '/a b' }, { path: '/s', secret: true }], units: ['u'], device: '/dev/x', marker: { mountpoint: '/m', name: 'n' } }))
      .toEqual(['file', '/a b', 'secret', '/s', 'unit', 'u', 'device', '/dev/x', 'marker', '/m', 'n']);
  });
});

describe('holders: what device mapper says each one is', () => {
  test.each([
    ['md127\t\t', 'md127'],
    ['dm-0\tCRYPT-LUKS2-9b1f2a3c4d5e6f708192a3b4c5d6e7f8-luks-9b1f\tluks-9b1f', 'dm-0 (crypt luks-9b1f)'],
    ['dm-1\tLVM-Xk2pQ9fV0aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0\tvg0-data', 'dm-1 (LVM vg0-data)'],
    ['dm-2\tmpath-36001405abcdef\tmpatha', 'dm-2 (multipath mpatha)'],
    ['dm-3\t\tplain', 'dm-3 (dm plain)'],
  ])('%s', (line, name) => expect(holderName(line)).toBe(name));
});
