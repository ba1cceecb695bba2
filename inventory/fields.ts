/**
 * Validators for single inventory values. Values that end up in files the provisioner
 * renders (fstab, units, labels) refuse control characters; values that become argv words
 * of ssh or rsync refuse a leading "-" so they can never be read as options.
 */
import { z } from 'zod';
import { parseSize } from '../runtime/size.ts';
import { sourceSpec } from '../runtime/config.ts';

const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** A non-empty string without newlines or other control characters. */
export const line = z.string().min(1, 'must not be empty').refine((s) => !hasControl(s), 'must not contain newlines or control characters');
export const absPath = line.regex(/^\//, 'expected an absolute path');
/** A path on the machine running linkdest: absolute, `~/...` or relative to the inventory file. */
export const localPath = line.refine((s) => !/^~[^/]/.test(s), 'only ~/ is expanded; write the full path');
export const fileName = line.regex(/^[^/]+$/, 'expected a file name, not a path')
  .refine((s) => s !== '.' && s !== '..', 'expected a file name');
export const count = z.number().int().nonnegative();
export const port = z.number().int().min(1, 'expected a port 1-65535').max(65535, 'expected a port 1-65535');
export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
export const hostAddress = line.regex(/^[^\s-]\S*$/, 'expected a host name or address (no spaces, not starting with "-")');
/** A login name as useradd allows it (a trailing $ for machine accounts). */
export const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/;
export const userName = z.string().regex(USER_NAME, 'expected a user name');
export const mailAddress = line.regex(/^[^\s@]+@[^\s@]+$/, 'expected a mail address like admin@example.org');
/** A command as words, e.g. [systemctl, stop, nginx]: never a shell string. */
export const argv = z.array(z.string(), { error: 'expected a command as a list of words, e.g. [systemctl, stop, nginx]' })
  .min(1, 'expected a command as a list of words, e.g. [systemctl, stop, nginx]');

/** `/Apps` or `host:/path`; a remote host may not start with "-" (rsync would take it as an option). */
export const sourcePath = sourceSpec.refine((s) => !s.startsWith('-'), 'a source may not start with "-"');

/** "30G", "30 GB", "100k" or a plain number -> bytes / count (runtime/size.ts rules). */
export const size = z.unknown().transform((v, ctx) => {
  if (typeof v === 'number' || typeof v === 'string') {
    try {
      return parseSize(v);
    } catch { /* reported below */ }
  }
  ctx.addIssue({ code: 'custom', message: `expected a size such as 30G, 500MB or 100k, got ${JSON.stringify(v)}` });
  return z.NEVER;
});

/** Seconds as a number, or "90s", "5m", "1h", "14d". */
export const duration = z.unknown().transform((v, ctx) => {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+)\s*(s|sec|m|min|h|d)?\s*$/.exec(v) : null;
  if (m && Number(m[1]) > 0) return Number(m[1]) * ({ m: 60, min: 60, h: 3600, d: 86400 }[m[2] ?? ''] ?? 1);
  ctx.addIssue({ code: 'custom', message: `expected seconds or a duration such as 90s, 5m, 1h, 14d, got ${JSON.stringify(v)}` });
  return z.NEVER;
});

/** A rotation disk's id: a short name the admin says aloud ("disk A"), also a Prometheus label value. */
export const DISK_ID = /^[A-Za-z0-9_-]{1,16}$/;
export const diskId = z.string().regex(DISK_ID, 'expected a disk id of 1 to 16 letters, digits, "_" or "-", e.g. A');
/** A filesystem or LUKS UUID as blkid prints it (ext4, xfs, btrfs, LUKS2: 8-4-4-4-12 hex digits). */
export const FS_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const fsUuid = z.string().regex(FS_UUID, 'expected a UUID as blkid prints it, e.g. 3f1c2a4e-...');

const UNSTABLE_DEVICE = /^\/dev\/(sd[a-z]+|hd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+)(p?\d+)?$/;
const STABLE_DEVICE = /^\/dev\/(disk\/by-[a-z-]+\/[^/]+|mapper\/[^/]+|loop\d+(p\d+)?)$/;

export const devicePath = absPath.superRefine((d, ctx) => {
  if (UNSTABLE_DEVICE.test(d)) {
    ctx.addIssue({ code: 'custom', message: `${d} can name another disk after a reboot; use its /dev/disk/by-id/... link (ls -l /dev/disk/by-id)` });
  } else if (!STABLE_DEVICE.test(d)) {
    ctx.addIssue({ code: 'custom', message: 'expected /dev/disk/by-id/..., /dev/disk/by-uuid/..., /dev/mapper/... or /dev/loopN' });
  }
});

const CALENDAR_SHORTHANDS = new Set(['minutely', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'annually', 'quarterly', 'semiannually']);
const WEEKDAYS = /^(mon|tue|wed|thu|fri|sat|sun)(day|sday|nesday|rsday|urday)?$/i;
const CRON = /^[\d*/,-]+(\s+[\d*/,-]+){4}$/;

/**
 * A loose check of a systemd OnCalendar expression: shorthands, weekdays, dates and times
 * (`systemd-analyze calendar` has the last word on the host). Catches cron lines and prose.
 */
export const schedule = line.superRefine((s, ctx) => {
  const t = s.trim();
  if (CALENDAR_SHORTHANDS.has(t.toLowerCase())) return;
  if (CRON.test(t)) {
    ctx.addIssue({ code: 'custom', message: 'this is a cron line; write a systemd OnCalendar time such as "*-*-* 03:00:00" or "Mon..Fri 03:00"' });
    return;
  }
  const wordsOk = t.split(/\s+/).every((tok) => tok.includes('/') || tok === 'UTC'
    || (tok.match(/[A-Za-z]+/g) ?? []).every((w) => WEEKDAYS.test(w)));
  if (!/^[A-Za-z0-9*:.,/~ +_-]+$/.test(t) || !wordsOk || (!/[\d*]/.test(t) && !WEEKDAYS.test(t.split(/[.,\s]/)[0]!))) {
    ctx.addIssue({ code: 'custom', message: 'expected a systemd OnCalendar time such as daily, "*-*-* 03:00:00" or "Mon..Fri 03:00"' });
  }
});

/** Filesystem labels: what mkfs accepts and what an fstab LABEL= can hold unquoted. */
export const LABEL_MAX: Record<'ext4' | 'xfs' | 'btrfs', number> = { ext4: 16, xfs: 12, btrfs: 255 };
export const label = z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"');

/** Snapshot set names and inventory host/group names. */
export const simpleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-" (not starting with "." or "-")');
