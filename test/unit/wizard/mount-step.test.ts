import { describe, expect, test } from 'vitest';
import { entryMount } from '../../../provision/wizard/mount-step.ts';
import type { MountHostFacts } from '../../../provision/mount-kind.ts';

const autofs: MountHostFacts = { systemd: true, autofs: { kernel: true, device: true } };
const noAutofs: MountHostFacts = { systemd: true, autofs: { kernel: false, device: false } };
const cron: MountHostFacts = { systemd: false, autofs: { kernel: true, device: true } };

describe('entryMount: the wizard never writes a mount kind the host cannot run', () => {
  test.each<[string, unknown, unknown, MountHostFacts, string | undefined, RegExp]>([
    ['unset, autofs', undefined, undefined, autofs, undefined, /^mount: {3}automount \(mounted on access\), as the host allows \(systemd and autofs are there\)$/],
    ['unset, no autofs', undefined, undefined, noAutofs, undefined, /^mount: {3}static mount unit .*\(no automount: the kernel has no autofs/],
    ['unset, no systemd', undefined, undefined, cron, undefined, /^mount: {3}fstab line \(mounted for each run\), as the host allows \(no systemd\)$/],
    ['own automount, autofs: kept', 'automount', undefined, autofs, 'automount', /as the inventory says$/],
    ['own automount, no autofs: static', 'automount', undefined, noAutofs, 'static', /static mount unit \(mounted at boot\) instead of automount \(automount cannot work on this host: the kernel has no autofs in \/proc\/filesystems\)$/],
    ['own static, no systemd: fstab', 'static', undefined, cron, 'fstab', /fstab line .* instead of static \(static needs systemd/],
    ['inherited automount, no autofs: static on the host', undefined, 'automount', noAutofs, 'static', /instead of automount/],
    ['inherited static, no autofs: inherited, not repeated', undefined, 'static', noAutofs, undefined, /static mount unit .*as the inventory says$/],
    ['own fstab wins over inherited automount', 'fstab', 'automount', noAutofs, 'fstab', /fstab line .*as the inventory says$/],
  ])('%s', (_name, own, inherited, host, mount, line) => {
    const e = entryMount(own, inherited, host);
    expect(e.mount).toBe(mount);
    expect(e.line).toMatch(line);
  });
});
