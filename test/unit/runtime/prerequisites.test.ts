import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findOnPath, missingPrerequisite, missingRsyncLine } from '../../../runtime/prerequisites.ts';

const dir = mkdtempSync(join(tmpdir(), 'linkdest-prereq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('missingRsyncLine: one line naming rsync and how to install it', () => {
  test.each<[string[], string]>([
    [['apt-get'], 'install it with `apt-get install rsync` (as root)'],
    [['dnf', 'yum'], 'install it with `dnf install rsync` (as root)'],
    [['pacman'], 'install it with `pacman -S rsync` (as root)'],
    [['apk'], 'install it with `apk add rsync` (as root)'],
    [[], "install your distribution's rsync package"],
  ])('package managers %j', (present, how) => {
    const line = missingRsyncLine((c) => present.includes(c));
    expect(line).toBe(`rsync is not installed on this host (not found on PATH); ${how}, then run again`);
    expect(line).not.toContain('\n');
    expect(line).not.toContain('3.1.3');
  });
});

describe('missingPrerequisite: looks on the PATH it is given', () => {
  test('an executable rsync on PATH: nothing missing; a non-executable one does not count', () => {
    const bin = join(dir, 'bin');
    const noexec = join(dir, 'noexec');
    for (const [d, mode] of [[bin, 0o755], [noexec, 0o644]] as const) {
      mkdirSync(d);
      writeFileSync(join(d, 'rsync'), '#!/bin/sh\n');
      chmodSync(join(d, 'rsync'), mode);
    }
    expect(findOnPath('rsync', `${join(dir, 'none')}:${bin}`)).toBe(join(bin, 'rsync'));
    expect(missingPrerequisite({ PATH: bin })).toBeUndefined();
    // access(X_OK) fails for a file without any x bit, root included.
    expect(missingPrerequisite({ PATH: noexec })).toMatch(/^rsync is not installed on this host/);
    expect(missingPrerequisite({ PATH: '' })).toMatch(/^rsync is not installed on this host/);
  });

  test('no PATH at all: the default one spawn would search (/bin:/usr/bin)', () => {
    const where = ['/bin/rsync', '/usr/bin/rsync'].some((p) => findOnPath('rsync', p.replace(/\/rsync$/, '')) !== undefined);
    expect(missingPrerequisite({}) === undefined).toBe(where);
  });
});
