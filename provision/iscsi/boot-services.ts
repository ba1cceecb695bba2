/**
 * iscsid at boot on hosts without systemd, decided from the iSCSI facts alone (pure).
 * SysV init (Debian/Devuan): open-iscsi installs both scripts DISABLED (`update-rc.d
 * defaults-disabled`: K links in rcS.d), so they are enabled; at boot iscsid starts, then
 * open-iscsi logs in to the automatic node records and mounts the _netdev filesystems.
 * OpenRC (Gentoo, Alpine): one service, iscsid, whose start also logs in to the automatic
 * records when /etc/conf.d/iscsid says AUTOSTARTTARGETS=yes (the packages' default).
 * Only iscsid is started now; Debian's open-iscsi script is never started here: it would
 * log in to every automatic record on the host, not just ours.
 */
import type { IscsiFacts, SysvScript } from './facts.ts';

export type BootInit = 'sysv' | 'openrc';

export interface BootStep {
  summary: string;
  argv: string[][];
  /** After argv, iscsid must be running (a start that exits 0 can leave no daemon). */
  expectIscsid?: boolean;
}

export type BootDecision =
  | { kind: 'steps'; init: BootInit; steps: BootStep[] }
  /** open-iscsi is not installed yet: decide again on the host once it is. */
  | { kind: 'after-install'; init: BootInit; summary: string }
  | { kind: 'error'; message: string };

export const SYSV_SCRIPTS = ['iscsid', 'open-iscsi'] as const;
/** Runlevels that are entered on a normal boot. */
const BOOT_RUNLEVELS = ['sysinit', 'boot', 'default'];
const SYSV_START_DIR = /^rc[S2345]\.d\/([SK])\d\d/;

/** Which init tooling manages services on this host, by the commands it has. */
export function bootInitOf(f: IscsiFacts): BootInit | undefined {
  const openrc = f.commands['rc-update'] !== undefined && f.commands['rc-service'] !== undefined;
  // Devuan with OpenRC has update-rc.d too; OpenRC running (/run/openrc) decides then.
  if (openrc && (f.openrcRunning === true || f.commands['update-rc.d'] === undefined)) return 'openrc';
  if (f.commands['update-rc.d'] !== undefined) return 'sysv';
  return undefined;
}

/** enabled: an S link in a boot runlevel; disabled: only K links there; none: no links there. */
export function sysvState(s: SysvScript | undefined): 'enabled' | 'disabled' | 'none' {
  const kinds = (s?.links ?? []).map((l) => SYSV_START_DIR.exec(l)?.[1]).filter(Boolean);
  if (kinds.includes('S')) return 'enabled';
  return kinds.length > 0 ? 'disabled' : 'none';
}

/** `"yes"` / `'yes'` / `yes # comment` -> yes. */
export function shellValue(raw: string): string {
  const t = raw.trim();
  const quoted = /^(["'])(.*?)\1/.exec(t);
  return quoted ? quoted[2]! : (/^[^\s#;]*/.exec(t)?.[0] ?? '');
}

function sysvSteps(f: IscsiFacts): BootDecision {
  const missing = SYSV_SCRIPTS.filter((s) => f.sysvScripts?.[s]?.present !== true);
  if (missing.length > 0) {
    return { kind: 'error', message: `open-iscsi is installed but ${missing.map((s) => `/etc/init.d/${s}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: reinstall open-iscsi` };
  }
  const steps: BootStep[] = [];
  const off = SYSV_SCRIPTS.filter((s) => sysvState(f.sysvScripts?.[s]) !== 'enabled');
  if (off.length > 0) {
    // `enable` turns K links into S links but fails when there are none; `defaults`
    // creates them only when the script has no links at all.
    const argv = off.map((s) => ['update-rc.d', s, sysvState(f.sysvScripts?.[s]) === 'none' ? 'defaults' : 'enable']);
    steps.push({ summary: `enable ${off.join(' and ')} at boot (update-rc.d)`, argv });
  }
  if (f.iscsidRunning !== true) steps.push({ summary: 'start iscsid (/etc/init.d/iscsid start)', argv: [['/etc/init.d/iscsid', 'start']], expectIscsid: true });
  return { kind: 'steps', init: 'sysv', steps };
}

function openrcSteps(f: IscsiFacts): BootDecision {
  if (f.sysvScripts?.iscsid?.present !== true) return { kind: 'error', message: 'open-iscsi is installed but has no OpenRC service /etc/init.d/iscsid: reinstall open-iscsi' };
  const autostart = f.openrcAutostart === undefined ? undefined : shellValue(f.openrcAutostart);
  if (autostart !== 'yes') {
    const now = autostart === undefined ? 'does not set AUTOSTARTTARGETS' : `sets AUTOSTARTTARGETS=${autostart}`;
    return { kind: 'error', message: `/etc/conf.d/iscsid ${now}: iscsid would not log in at boot; set AUTOSTARTTARGETS="yes" there` };
  }
  const steps: BootStep[] = [];
  if (!(f.openrcRunlevels ?? []).some((r) => BOOT_RUNLEVELS.includes(r))) {
    steps.push({ summary: 'add iscsid to the default runlevel (rc-update add iscsid default)', argv: [['rc-update', 'add', 'iscsid', 'default']] });
  }
  if (f.iscsidRunning !== true) {
    steps.push({
      summary: 'start iscsid (rc-service iscsid start; with AUTOSTARTTARGETS=yes it also logs in to every node record with node.startup=automatic)',
      argv: [['rc-service', 'iscsid', 'start']],
      expectIscsid: true,
    });
  }
  return { kind: 'steps', init: 'openrc', steps };
}

const NO_INIT = 'this host runs neither systemd, nor SysV init with update-rc.d, nor OpenRC (rc-update, rc-service): '
  + 'make iscsid start at boot and log in to automatic node records (iscsiadm -m node --loginall=automatic) yourself';

/** What to run so iscsid starts at boot (and logs in to our automatic record) and runs now. */
export function nonSystemdBootDecision(f: IscsiFacts): BootDecision {
  const init = bootInitOf(f);
  if (init === undefined) return { kind: 'error', message: NO_INIT };
  if (f.commands.iscsiadm === undefined) {
    const summary = init === 'sysv'
      ? 'enable iscsid and open-iscsi at boot (update-rc.d) and start iscsid once open-iscsi is installed'
      : 'add iscsid to the default runlevel (rc-update) and start it once open-iscsi is installed';
    return { kind: 'after-install', init, summary };
  }
  return init === 'sysv' ? sysvSteps(f) : openrcSteps(f);
}
