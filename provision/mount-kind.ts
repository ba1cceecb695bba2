/**
 * How the backup filesystem is mounted on one host, decided from its facts: the rule in
 * one place (table: test/unit/provision/mount-kind.test.ts).
 *
 * | `mount` in the inventory | systemd, autofs usable | systemd, no autofs | no systemd |
 * |---|---|---|---|
 * | unset                    | automount              | static             | fstab      |
 * | automount                | automount              | error: use static  | error: use fstab |
 * | static                   | static                 | static             | error: use fstab |
 * | fstab                    | fstab                  | fstab              | fstab      |
 *
 * Automount units need autofs in the kernel AND /dev/autofs on the host (systemd checks the
 * device; a container may lack it where the kernel has it). Without them `systemctl enable
 * --now X.automount` fails half way through an apply: the error belongs to the plan.
 */
import type { AutofsFacts } from './facts/types.ts';

export type MountKind = 'automount' | 'static' | 'fstab';

export interface MountHostFacts {
  systemd: boolean;
  autofs: AutofsFacts;
}

/** The chosen kind and, for a default, the one line the plan shows; or why the wish cannot be met. */
export type MountDecision =
  | { ok: true; kind: MountKind; note?: string }
  | { ok: false; error: string };

/** Why automount units cannot run on this host, or undefined when they can. */
export function automountUnavailable(host: MountHostFacts): string | undefined {
  if (!host.systemd) return 'the host does not run systemd';
  if (!host.autofs.kernel) return 'the kernel has no autofs in /proc/filesystems';
  if (!host.autofs.device) return 'the host has no /dev/autofs (a container?)';
  return undefined;
}

/** The kinds this host can run, best first (what the wizard and the default may pick). */
export function possibleMountKinds(host: MountHostFacts): MountKind[] {
  if (!host.systemd) return ['fstab'];
  return automountUnavailable(host) === undefined ? ['automount', 'static', 'fstab'] : ['static', 'fstab'];
}

/** `wanted` undefined: `mount` is not set in the inventory. */
export function decideMount(wanted: MountKind | undefined, host: MountHostFacts): MountDecision {
  const noAutomount = automountUnavailable(host);
  if (wanted === undefined) {
    if (!host.systemd) return { ok: true, kind: 'fstab', note: 'mount: fstab, because mount is unset and the host does not run systemd' };
    if (noAutomount !== undefined) return { ok: true, kind: 'static', note: `mount: static, because mount is unset and automount cannot work: ${noAutomount}` };
    return { ok: true, kind: 'automount', note: 'mount: automount, because mount is unset and the host has systemd and autofs' };
  }
  if (wanted !== 'fstab' && !host.systemd) {
    return { ok: false, error: `mount: ${wanted} needs systemd, and this host does not run systemd; use mount: fstab` };
  }
  if (wanted === 'automount' && noAutomount !== undefined) {
    return { ok: false, error: `mount: automount cannot work on this host: ${noAutomount}; use mount: static, or leave mount unset` };
  }
  return { ok: true, kind: wanted };
}
