/**
 * What the wizard collected, and the pure step from it to the host's entry in linkdest.yml.
 * Values equal to what the host would inherit anyway (the file's `defaults:` or the
 * built-in defaults) are left out, so the entry says only what is particular to the host.
 */
import { DEFAULTS } from '../../inventory/build.ts';

export interface SshAnswers {
  host: string;
  port: number;
  user: string;
  identity?: string;
  /** Jump hosts, nearest first; absent: direct (or ProxyJump from ~/.ssh/config). */
  jump?: string[];
  /** As written in the inventory, relative to it: ./known_hosts */
  known_hosts: string;
}

export type TargetAnswers =
  | { kind: 'usb'; device: string; adopt: boolean; formatConfirm?: string; filesystem: 'ext4' | 'xfs' | 'btrfs'; label: string }
  | {
    kind: 'iscsi'; portal: string; target: string; lun: number; filesystem: 'ext4' | 'xfs' | 'btrfs'; label: string;
    chap?: { user: string; password_file: string };
  };

export interface RetentionAnswers {
  keep_min: number;
  min_free_before: string;
  min_free_after: string;
  min_inodes_before: string;
  min_inodes_after: string;
}

export interface MailAnswers {
  to: string;
  from: string;
  smtp: { host: string; port: number; security: 'none' | 'starttls' | 'tls'; user?: string; password_file?: string };
}

export interface WizardAnswers {
  name: string;
  ssh: SshAnswers;
  target: TargetAnswers;
  mountpoint: string;
  /** Set only when the host needs a kind other than what it would inherit (mount-step.ts). */
  mount?: 'automount' | 'static' | 'fstab';
  sources: string[];
  vms: string[];
  /** systemd OnCalendar */
  schedule: string;
  retention: RetentionAnswers;
  mail?: MailAnswers;
  healthcheck_url?: string;
  /** `{url_file}` relative to the inventory (the URL itself is a secret), or the host's own settings kept. */
  webhook?: Record<string, unknown>;
}

/** rbme.conf's defaults: MIN_KEEP_OLD_BACKUPS=30, MIN_FREE 30/40 GB, MIN_INODES 100k/300k. */
export const DEFAULT_RETENTION: RetentionAnswers = {
  keep_min: 30, min_free_before: '30G', min_free_after: '40G', min_inodes_before: '100k', min_inodes_after: '300k',
};

/** `03:00` -> `*-*-* 03:00:00`; undefined when it is not a time of day. */
export function dailyAt(time: string): string | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time.trim());
  return m ? `*-*-* ${m[1]!.padStart(2, '0')}:${m[2]}:00` : undefined;
}

/** `*-*-* 03:00:00` -> `03:00`; undefined for any other schedule. */
export function timeOfDaily(schedule: string): string | undefined {
  const m = /^\*-\*-\* (\d\d):(\d\d)(?::00)?$/.exec(schedule.trim());
  return m ? `${m[1]}:${m[2]}` : undefined;
}

/** The retention rules in plain words, for the question and the summary. */
export function retentionInWords(r: RetentionAnswers): string {
  return `keep at least ${r.keep_min} snapshots; delete the oldest ones beyond that until ${r.min_free_before} and ${r.min_inodes_before} inodes `
    + `are free before a backup, and ${r.min_free_after} / ${r.min_inodes_after} inodes after it`;
}

/** Settings the host inherits from the inventory's `defaults:` (raw YAML values). */
export interface Inherited {
  schedule?: unknown;
  mountpoint?: unknown;
  retention?: Record<string, unknown>;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function targetFragment(t: TargetAnswers): Record<string, unknown> {
  const fs = {
    ...(t.filesystem !== DEFAULTS.filesystem && { filesystem: t.filesystem }),
    ...(t.label !== DEFAULTS.label && { label: t.label }),
  };
  if (t.kind === 'usb') return { usb: { device: t.device }, ...fs };
  const chap = t.chap && { user: t.chap.user, password_file: t.chap.password_file };
  return { iscsi: { portal: t.portal, target: t.target, lun: t.lun, ...(chap && { chap }) }, ...fs };
}

/** The value of `hosts.NAME` in linkdest.yml. */
export function hostFragment(a: WizardAnswers, inherited: Inherited = {}): Record<string, unknown> {
  const ssh = {
    host: a.ssh.host, port: a.ssh.port, user: a.ssh.user, ...(a.ssh.identity && { identity: a.ssh.identity }),
    ...(a.ssh.jump && a.ssh.jump.length > 0 && { jump: a.ssh.jump.length === 1 ? a.ssh.jump[0] : a.ssh.jump }), known_hosts: a.ssh.known_hosts,
  };
  const out: Record<string, unknown> = { ssh, disk: targetFragment(a.target) };
  if (!same(a.mountpoint, inherited.mountpoint ?? DEFAULTS.mountpoint)) out.mountpoint = a.mountpoint;
  if (a.mount !== undefined) out.mount = a.mount;
  out.sources = a.sources;
  if (a.vms.length > 0) out.vms = a.vms;
  if (!same(a.schedule, inherited.schedule ?? DEFAULTS.schedule)) out.schedule = a.schedule;
  const base = { ...DEFAULT_RETENTION, ...inherited.retention };
  const retention = Object.fromEntries(Object.entries(a.retention)
    .filter(([k, v]) => !same(v, base[k as keyof RetentionAnswers]))
    .map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]));
  if (Object.keys(retention).length > 0) out.retention = retention;
  const report: Record<string, unknown> = {};
  if (a.mail) {
    const s = a.mail.smtp;
    report.mail = {
      to: [a.mail.to], from: a.mail.from,
      smtp: { host: s.host, port: s.port, security: s.security, ...(s.user && { user: s.user }), ...(s.password_file && { password_file: s.password_file }) },
    };
  }
  if (a.healthcheck_url) report.healthcheck_url = a.healthcheck_url;
  if (a.webhook) report.webhook = a.webhook;
  if (Object.keys(report).length > 0) out.report = report;
  return out;
}

/** A name usable as `hosts.NAME`: the first label of a host name, or the alias. */
export function suggestHostName(address: string): string {
  const first = /^\d+\.\d+\.\d+\.\d+$/.test(address) || address.includes(':') ? address : address.split('.')[0]!;
  const cleaned = first.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return cleaned === '' ? 'backup-host' : cleaned;
}
