/**
 * What a user may write in linkdest.yml. `hostSettingsSchema` checks one host's settings
 * after defaults < groups < host are merged; it normalises shorthands (a string source, a
 * list of VMs, "30G") but fills no defaults: those live in runtime/config.ts and build.ts,
 * so a default set in `defaults:` is never confused with a built-in one.
 */
import { z } from 'zod';
import {
  absPath, argv, count, devicePath, diskId, duration, envName, fsUuid, fileName, hostAddress, label, LABEL_MAX, line,
  localPath, mailAddress, port, schedule, simpleName, size, sourcePath, USER_NAME, userName,
} from './fields.ts';
import { parsePortal, targetNameProblem } from './iscsi.ts';
import { parseJumpSpec } from './jump-spec.ts';
import { thinProblem } from '../runtime/retention.ts';

const percent = z.number({ error: 'expected a percentage (a number from 0 to 100)' }).min(0, 'expected a percentage from 0 to 100').max(100, 'expected a percentage from 0 to 100');
const strict = <T extends z.ZodRawShape>(shape: T, error?: string) => z.object(shape, error === undefined ? undefined : { error }).strict();
/** A reason pointing at the key (the map that lacks something), not at its value. */
const atKey = { at: 'key' } as const;

/** A map with exactly one of password_file / password_env (or neither when `optional`). */
function withSecret<T extends z.ZodRawShape>(shape: T, optional: boolean) {
  return z.object({ ...shape, password_file: localPath.optional(), password_env: envName.optional() }).strict()
    .superRefine((value, ctx) => {
      const o = value as { password_file?: string; password_env?: string };
      if (o.password_file !== undefined && o.password_env !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['password_env'], message: 'use password_file or password_env, not both', params: atKey });
      } else if (!optional && o.password_file === undefined && o.password_env === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected password_file or password_env', params: atKey });
      }
    });
}

const chapUser = withSecret({ user: line }, false);
const chap = withSecret({ user: line, mutual: chapUser.optional() }, false);

const portals = z.preprocess((v) => (typeof v === 'string' ? [v] : v),
  z.array(z.string().transform((s, ctx) => {
    const p = parsePortal(s);
    if (typeof p === 'string') { ctx.addIssue({ code: 'custom', message: p }); return z.NEVER; }
    return p;
  }), { error: 'expected "ADDRESS[:PORT]" or a list of them' }).min(1, 'expected at least one portal'));

export const iscsiSchema = strict({
  portal: portals,
  target: z.string().superRefine((t, ctx) => {
    const problem = targetNameProblem(t);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  lun: z.number({ error: (i) => (i.input === undefined ? 'required: the LUN number, never assumed (QNAP: Storage > iSCSI > LUN)' : undefined) })
    .int().min(0).max(16383),
  chap: chap.optional(),
});

/**
 * Off-site rotation (docs/rotation.md): several disks take turns, each identified by its
 * filesystem UUID and carrying its own chain of snapshots. Written by `linkdest disk enroll`.
 */
export const rotationSchema = strict({
  disks: z.array(strict({
    id: diskId,
    uuid: fsUuid,
    /** Only for an encrypted disk: the LUKS container's UUID (uuid is the filesystem inside). */
    luks_uuid: fsUuid.optional(),
  }), { error: 'expected a list of disks: - {id: A, uuid: ...}' }).superRefine((disks, ctx) => {
    const ids = new Set<string>();
    const uuids = new Set<string>();
    disks.forEach((d, i) => {
      if (ids.has(d.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `disk id ${d.id} is enrolled twice` });
      if (uuids.has(d.uuid.toLowerCase())) ctx.addIssue({ code: 'custom', path: [i, 'uuid'], message: `uuid ${d.uuid} is enrolled twice` });
      ids.add(d.id);
      uuids.add(d.uuid.toLowerCase());
    });
  }).optional(),
  run_on_attach: z.boolean().optional(),
  min_age: duration.optional(),
  max_absence: duration.optional(),
});

export const diskSchema = strict({
  usb: strict({ device: devicePath }).optional(),
  iscsi: iscsiSchema.optional(),
  rotation: rotationSchema.optional(),
  filesystem: z.enum(['ext4', 'xfs', 'btrfs']).optional(),
  label: label.optional(),
}).superRefine((d, ctx) => {
  const kinds = (['usb', 'iscsi', 'rotation'] as const).filter((k) => d[k] !== undefined);
  if (kinds.length > 1) ctx.addIssue({ code: 'custom', path: [kinds[1]!], message: `a disk is either ${kinds[0]} or ${kinds[1]}, not both`, params: atKey });
  if (kinds.length === 0) ctx.addIssue({ code: 'custom', message: 'expected usb: {device: ...}, iscsi: {portal, target, lun} or rotation: {disks: [...]}', params: atKey });
  const max = LABEL_MAX[d.filesystem ?? 'ext4'];
  if (d.label !== undefined && d.label.length > max) {
    ctx.addIssue({ code: 'custom', path: ['label'], message: `${d.filesystem ?? 'ext4'} labels have at most ${max} characters` });
  }
});

/** A jump host `[user@]host[:port]`, a chain of them (a list or `a,b`, nearest first) or `none`. */
const jumpHop = line.superRefine((s, ctx) => {
  const p = parseJumpSpec(s);
  if (typeof p === 'string') ctx.addIssue({ code: 'custom', message: p });
});
const sshJump = z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v),
  z.array(jumpHop, { error: 'expected "[user@]host[:port]", a list of them, or none' }).min(1, 'expected a jump host, or none')
    .superRefine((hops, ctx) => {
      const none = hops.findIndex((h) => h.toLowerCase() === 'none');
      if (none >= 0 && hops.length > 1) ctx.addIssue({ code: 'custom', path: [none], message: '"none" cannot be part of a chain of jump hosts' });
    })
    .transform((hops) => (hops.length === 1 && hops[0]!.toLowerCase() === 'none' ? [] : hops)));

/** How the control machine reaches a host: a backup host, or a source host it sets up for pulling. */
const sshSettings = strict({
  host: hostAddress.optional(),
  port: port.optional(),
  user: userName.optional(),
  identity: localPath.optional(),
  known_hosts: localPath.optional(),
  jump: sshJump.optional(),
});

/** `{host: marte, path: /Apps}`: pulled with linkdest's restricted key (inventory/pull-source.ts). */
const sourceItem = z.preprocess((v) => (typeof v === 'string' ? { path: v } : v), strict({
  path: sourcePath,
  host: hostAddress.optional(),
  ssh: sshSettings.optional(),
  source_user: userName.optional(),
  one_file_system: z.boolean().optional(),
  exclude: z.array(z.string()).optional(),
}, 'expected /path, host:/path or {path: ..., host: ..., one_file_system: ..., exclude: [...]}').superRefine((s, ctx) => {
  if (s.host !== undefined && !s.path.startsWith('/')) {
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'with host: the path on that host, e.g. /Apps' });
  }
  if (s.host === undefined && s.ssh !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['ssh'], params: atKey, message: 'ssh settings of a source need host: (the address they apply to)' });
  }
}));

const vmsSchema = z.preprocess((v) => (Array.isArray(v) ? { domains: v } : v), strict({
  uri: line.optional(),
  domains: z.array(line.regex(/^[^/-][^/]*$/, 'expected a libvirt domain name')).optional(),
  shutdown_timeout: duration.optional(),
  shutdown_retries: z.number().int().positive().optional(),
}, 'expected a list of VM names or {uri, domains, shutdown_timeout, shutdown_retries}'));

const retentionSchema = strict({
  keep_min: count.optional(),
  min_free_before: size.optional(),
  min_free_after: size.optional(),
  min_inodes_before: size.optional(),
  min_inodes_after: size.optional(),
  thin: strict({ daily: count.optional(), weekly: count.optional(), monthly: count.optional() }).superRefine((thin, ctx) => {
    const problem = thinProblem(thin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).optional(),
});

const smtpSchema = withSecret({
  host: hostAddress,
  port: port.optional(),
  security: z.enum(['none', 'starttls', 'tls']).optional(),
  user: line.optional(),
}, true);

/**
 * A chat or alerting webhook. Its URL holds the token, so like a password it is only
 * referenced: url_file or url_env, exactly one. `url:` is there only to refuse it by name.
 */
const webhookSchema = strict({
  url_file: localPath.optional(),
  url_env: envName.optional(),
  url: z.unknown().optional(),
  when: z.enum(['always', 'problems']).optional(),
  timeout: duration.optional(),
}).superRefine((w, ctx) => {
  if (w.url !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['url'], params: atKey,
      message: 'the webhook URL is a secret, never written in the inventory: use url_file (a file only you can read) or url_env (an environment variable)' });
  } else if (w.url_file !== undefined && w.url_env !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['url_env'], message: 'use url_file or url_env, not both', params: atKey });
  } else if (w.url_file === undefined && w.url_env === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected url_file or url_env', params: atKey });
  }
});

const reportSchema = strict({
  mail: strict({
    to: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(mailAddress).min(1, 'expected at least one address')),
    from: mailAddress,
    style: z.enum(['all', 'report', 'errors']).optional(),
    smtp: smtpSchema,
  }).optional(),
  healthcheck_url: z.url({ protocol: /^https?$/, error: 'expected an http(s):// URL' }).optional(),
  metrics_file: absPath.optional(),
  webhook: webhookSchema.optional(),
});

export const hostSettingsSchema = strict({
  /** `source`: a machine only pulled from (sourceHostSchema); default a backup host. */
  role: z.literal('backup', { error: 'expected backup or source' }).optional(),
  connection: z.enum(['ssh', 'local']).optional(),
  ssh: sshSettings.optional(),
  /** When other backup hosts pull from this host: log in as this user, rsync through sudo (docs/pull.md). */
  source_user: userName.optional(),
  become: z.boolean().optional(),
  install_packages: z.boolean().optional(),
  disk: diskSchema.optional(),
  mountpoint: absPath.refine((p) => p.replace(/\/+$/, '') !== '', 'the backup disk cannot be mounted on /')
    .refine((p) => !p.split('/').includes('..'), 'expected a path without ".."')
    .transform((p) => p.replace(/\/+/g, '/').replace(/\/$/, '')).optional(),
  mount: z.enum(['automount', 'fstab', 'static']).optional(),
  marker: fileName.optional(),
  name: simpleName.optional(),
  sources: z.array(sourceItem, { error: (i) => (i.input === undefined ? 'required: the directories to back up, e.g. [/Apps]' : undefined) })
    .min(1, 'expected at least one source'),
  exclude: z.array(z.string()).optional(),
  vms: vmsSchema.optional(),
  schedule: schedule.optional(),
  /** Scheduled deep verify: its own timer (or cron line) reading a rotating sample of inodes. */
  verify: strict({
    schedule,
    sample: z.number().gt(0, 'expected a percentage above 0').max(100, 'expected a percentage of at most 100').optional(),
    healthcheck_url: z.string().url().optional(),
  }).optional(),
  retention: retentionSchema.optional(),
  report: reportSchema.optional(),
  hooks: strict({ pre: z.array(argv).optional(), post: z.array(argv).optional(), timeout: duration.optional() }).optional(),
  log: strict({ dir: absPath.optional(), keep: count.optional() }).optional(),
  rsync: strict({
    rsh: argv.optional(),
    acls: z.boolean().optional(),
    xattrs: z.boolean().optional(),
    extra_args: z.array(z.string()).optional(),
  }).optional(),
  /** How many source machines are pulled at once (docs/runtime.md, "Pulling several sources"). */
  pull: strict({ parallel: z.number().int().min(1).max(64).optional() }).optional(),
  state_dir: absPath.optional(),
  /** Spot check of each snapshot against its local sources (docs/runtime.md). */
  spot: z.preprocess((v) => (typeof v === 'boolean' ? { enabled: v } : v), strict({
    enabled: z.boolean().optional(),
    sample_pct: percent.optional(),
    count_tolerance_pct: percent.optional(),
  }, 'expected true, false or {enabled, sample_pct, count_tolerance_pct}')).optional(),
  /** Emptied-source guard: a source shrinking by more than max_pct makes the snapshot suspect. */
  shrink: strict({ max_pct: percent.refine((n) => n > 0, 'expected a percentage above 0').optional() }).optional(),
  /** Group of restore operators: the backup root and sets 0750 with it (default 0700, root only). */
  backup_group: z.string().regex(USER_NAME, 'expected a group name').optional(),
});

export type HostSettings = z.output<typeof hostSettingsSchema>;

/**
 * A host that is only pulled from (`role: source`): reached for set-up, never given a disk,
 * a schedule or the runtime. Only these settings apply to it; others inherited from
 * `defaults:` or groups are ignored for it.
 */
export const SOURCE_HOST_KEYS = ['role', 'connection', 'ssh', 'become', 'source_user'] as const;
export const sourceHostSchema = strict({
  role: z.literal('source'),
  connection: z.literal('ssh', { error: 'a source host is reached over ssh' }).optional(),
  ssh: sshSettings.optional(),
  become: z.boolean().optional(),
  source_user: userName.optional(),
});
export type SourceHostSettings = z.output<typeof sourceHostSchema>;

const settingsMap = z.record(z.string(), z.unknown(), { error: 'expected a map of settings' }).nullable();

/** The file's outline; each host's settings are checked after merging (hostSettingsSchema). */
export const inventoryFileSchema = strict({
  defaults: settingsMap.optional(),
  groups: z.record(simpleName, strict({
    hosts: z.array(simpleName, { error: 'expected a list of host names' }).optional(),
    vars: settingsMap.optional(),
  }).nullable(), { error: (i) => (i.input === undefined ? undefined : 'expected a map of groups: NAME: {hosts: [...], vars: {...}}') }).optional(),
  hosts: z.record(simpleName, settingsMap, { error: (i) => (i.input === undefined ? undefined : 'expected a map of hosts: NAME: {settings}') }),
});

export type InventoryFile = z.output<typeof inventoryFileSchema>;
