import { describe, expect, test } from 'vitest';
import { decideMount, possibleMountKinds, type MountHostFacts, type MountKind } from '../../../provision/mount-kind.ts';

const autofs: MountHostFacts = { systemd: true, autofs: { kernel: true, device: true } };
const noKernel: MountHostFacts = { systemd: true, autofs: { kernel: false, device: false } };
/** A container: the kernel has autofs, /dev/autofs was not given to it. */
const noDevice: MountHostFacts = { systemd: true, autofs: { kernel: true, device: false } };
const cron: MountHostFacts = { systemd: false, autofs: { kernel: true, device: true } };

describe('decideMount: an unset mount takes the best kind the host can run, and says why', () => {
  test.each<[string, MountHostFacts, MountKind, RegExp]>([
    ['systemd with autofs', autofs, 'automount', /^mount: automount, because mount is unset and the host has systemd and autofs$/],
    ['systemd, kernel without autofs', noKernel, 'static', /^mount: static, because mount is unset and automount cannot work: the kernel has no autofs in \/proc\/filesystems$/],
    ['systemd, no /dev/autofs (container)', noDevice, 'static', /^mount: static, because mount is unset and automount cannot work: the host has no \/dev\/autofs/],
    ['no systemd', cron, 'fstab', /^mount: fstab, because mount is unset and the host does not run systemd$/],
    ['no systemd, no autofs', { systemd: false, autofs: { kernel: false, device: false } }, 'fstab', /does not run systemd/],
  ])('%s -> %s', (_name, host, kind, note) => {
    const d = decideMount(undefined, host);
    expect(d).toMatchObject({ ok: true, kind });
    expect(d.ok && d.note).toMatch(note);
  });
});

describe('decideMount: a kind set in the inventory is kept, or refused with the alternative', () => {
  test.each<[MountKind, MountHostFacts, MountKind | RegExp]>([
    ['automount', autofs, 'automount'],
    ['automount', noKernel, /^mount: automount cannot work on this host: the kernel has no autofs in \/proc\/filesystems; use mount: static, or leave mount unset$/],
    ['automount', noDevice, /^mount: automount cannot work on this host: the host has no \/dev\/autofs \(a container\?\); use mount: static/],
    ['automount', cron, /^mount: automount needs systemd, and this host does not run systemd; use mount: fstab$/],
    ['static', autofs, 'static'],
    ['static', noKernel, 'static'],
    ['static', cron, /^mount: static needs systemd, .*use mount: fstab$/],
    ['fstab', autofs, 'fstab'],
    ['fstab', noKernel, 'fstab'],
    ['fstab', cron, 'fstab'],
  ])('%s on %j', (wanted, host, expected) => {
    const d = decideMount(wanted, host);
    if (typeof expected === 'string') expect(d).toEqual({ ok: true, kind: expected });
    else {
      expect(d.ok).toBe(false);
      expect(!d.ok && d.error).toMatch(expected);
      expect(!d.ok && d.error).not.toContain('\n');
    }
  });
});

describe('possibleMountKinds (what the wizard may offer), best first', () => {
  test.each<[MountHostFacts, MountKind[]]>([
    [autofs, ['automount', 'static', 'fstab']],
    [noKernel, ['static', 'fstab']],
    [noDevice, ['static', 'fstab']],
    [cron, ['fstab']],
  ])('%j -> %j', (host, kinds) => {
    expect(possibleMountKinds(host)).toEqual(kinds);
    // The default is always the first of them.
    expect(decideMount(undefined, host)).toMatchObject({ kind: kinds[0] });
  });
});
