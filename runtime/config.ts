/**
 * Schema of /etc/linkdest/linkdest.json: the contract between the provisioner, which
 * writes it (inventory -> HostSpec -> RuntimeConfig), and the runtime, which reads it
 * every night. Keys are snake_case like the inventory, so a person reading the file on
 * a host recognises what they wrote. Sizes are plain numbers here (bytes / inodes);
 * the inventory and the CLI accept "30G" and convert with parseSize.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LinkdestError } from './errors.ts';
import { thinProblem } from './retention.ts';
import { classifyExtraArgs } from './engine/fast-path.ts';
import { sameDestination } from './nested-sources.ts';

const absPath = z.string().regex(/^\//, 'expected an absolute path');
const count = z.number().int().nonnegative();
const argv = z.array(z.string()).min(1, 'expected a command as a list of words');

/** `/Apps` (local) or `host:/path` / `user@host:/path` (pulled over ssh, like rsync). */
export const sourceSpec = z.string().regex(/^(\/|[^\s/:]+:\/)/, 'expected /path or host:/path');

export const sourceSchema = z.object({
  path: sourceSpec,
  one_file_system: z.boolean().default(false),
  /** rsync exclude patterns that apply to this source only. */
  exclude: z.array(z.string()).default([]),
  /**
   * Remote shell for this source instead of rsync.rsh: set by the provisioner for a source
   * pulled with linkdest's restricted key (inventory/pull-source.ts). Such a source is pulled
   * without -s: the source host's forced command must see the paths to check them.
   */
  rsh: argv.optional(),
}).strict();

export const iscsiTargetSchema = z.object({
  /** ADDR:PORT, port always explicit here (the provisioner fills 3260). */
  portals: z.array(z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d+$/, 'expected ADDR:PORT')).min(1),
  target: z.string().regex(/^(iqn\.|eui\.|naa\.)/, 'expected an iSCSI name (iqn....)'),
  lun: count,
}).strict();

const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a UUID as blkid prints it');

/** One enrolled rotation disk (docs/rotation.md). */
export const rotationDiskSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'expected a disk id of 1 to 16 letters, digits, "_" or "-"'),
  /** The filesystem's UUID (inside the LUKS container when encrypted). */
  uuid,
  /** Encrypted disks only: the LUKS container's UUID, opened with key_file (issue 15b). */
  luks_uuid: uuid.optional(),
  key_file: absPath.optional(),
}).strict().refine((d) => (d.luks_uuid === undefined) === (d.key_file === undefined), { message: 'luks_uuid and key_file go together', path: ['key_file'] });
export type RotationDisk = z.output<typeof rotationDiskSchema>;

export const destinationSchema = z.object({
  /** The backup root, e.g. /mnt/Backup (rbme's BACKUP_PATH). */
  path: absPath,
  /** File that must exist in `path`; proves the right disk is mounted there. */
  marker: z.string().regex(/^[^/]+$/, 'expected a file name, not a path').default('.linkdest-backup'),
  /** Require `path` to be a mount point, mounting it when it is not. */
  mount: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }).strict(),
    /** A systemd .mount unit (name from systemd-escape) started/stopped by the runtime. */
    z.object({ kind: z.literal('systemd'), unit: z.string().regex(/\.mount$/, 'expected a .mount unit name') }).strict(),
    /** An fstab entry for `path`: `mount PATH` / `umount PATH`. */
    z.object({ kind: z.literal('fstab') }).strict(),
    /**
     * Rotation: the enrolled disk found attached is mounted by its filesystem UUID
     * (`mount -t FSTYPE -o OPTIONS UUID=... PATH`), with or without systemd; one unit or
     * fstab line per mount point could name only one of the disks (docs/rotation.md).
     */
    z.object({
      kind: z.literal('uuid'),
      fstype: z.enum(['ext4', 'xfs', 'btrfs']),
      options: z.array(z.string().regex(/^[A-Za-z0-9_=.-]+$/, 'expected a mount option')).default(['noatime']),
    }).strict(),
  ]).default({ kind: 'none' }),
  /** When set, the runtime logs in to this target if no session is up. */
  iscsi: iscsiTargetSchema.optional(),
  /** Rotation: the enrolled disks (docs/rotation.md); the run uses the one attached. */
  disks: z.array(rotationDiskSchema).optional(),
  rotation: z.object({
    /** 15b: the plug-in trigger starts a run only when the disk's newest snapshot is older. */
    min_age_seconds: z.number().int().positive().default(20 * 3600),
    /** A disk not seen for longer is a warning (status, report, metrics). */
    max_absence_seconds: z.number().int().positive().default(14 * 86400),
    run_on_attach: z.boolean().default(false),
  }).strict().optional(),
}).strict().superRefine((d, ctx) => {
  if (d.disks !== undefined && d.mount.kind !== 'uuid') ctx.addIssue({ code: 'custom', path: ['mount'], message: 'rotation disks are mounted by uuid: expected mount.kind uuid' });
  if (d.mount.kind === 'uuid' && d.disks === undefined) ctx.addIssue({ code: 'custom', path: ['disks'], message: 'mount.kind uuid needs the list of enrolled disks' });
  const ids = new Set<string>();
  (d.disks ?? []).forEach((k, i) => {
    if (ids.has(k.id)) ctx.addIssue({ code: 'custom', path: ['disks', i, 'id'], message: `disk id ${k.id} appears twice` });
    ids.add(k.id);
  });
});

export const retentionSchema = z.object({
  /** Never prune below this many complete snapshots (rbme MIN_KEEP_OLD_BACKUPS). */
  keep_min: count.default(30),
  min_free_before: count.default(30 * 1024 ** 3),
  min_free_after: count.default(40 * 1024 ** 3),
  min_inodes_before: count.default(100_000),
  min_inodes_after: count.default(300_000),
  /** Optional age thinning; unset means keep everything the space rules allow. */
  thin: z.object({
    daily: count.optional(),
    weekly: count.optional(),
    monthly: count.optional(),
  }).strict().superRefine((thin, ctx) => {
    const problem = thinProblem(thin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).optional(),
}).strict();

export const smtpSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(25),
  security: z.enum(['none', 'starttls', 'tls']).default('starttls'),
  user: z.string().optional(),
  /** File holding the SMTP password (0600); the password itself is never in this config. */
  password_file: absPath.optional(),
}).strict();

export const mailSchema = z.object({
  to: z.array(z.string().min(3)).min(1),
  from: z.string().min(3),
  /** all: full log; report: summary; errors: only on failure or warnings (rbme MAILSTYLE). */
  style: z.enum(['all', 'report', 'errors']).default('report'),
  smtp: smtpSchema,
}).strict();

/**
 * A chat or alerting webhook (Slack, Mattermost, Discord, ntfy...). Its URL is a secret (the
 * path holds the token), so only the file holding it is named here.
 */
export const webhookSchema = z.object({
  /** File (0600) holding the URL. */
  url_file: absPath,
  /** problems: only warning, failed and skipped runs (like mail style errors). */
  when: z.enum(['always', 'problems']).default('problems'),
  timeout_s: z.number().positive().max(600).default(10),
}).strict();

export const runtimeConfigSchema = z.object({
  version: z.literal(1).default(1),
  /** Snapshot set name: DEST/NAME/YYYY-MM-DD_HH-MM-SS. Defaults to the host name. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').optional(),
  destination: destinationSchema,
  sources: z.array(sourceSchema).min(1, 'expected at least one source'),
  /** rsync exclude patterns for every source. */
  exclude: z.array(z.string()).default([]),
  rsync: z.object({
    /** Remote shell for host:/path sources (rbme RSYNC_RSH), as argv. */
    rsh: argv.default(['ssh', '-o', 'BatchMode=yes']),
    acls: z.boolean().default(true),
    xattrs: z.boolean().default(true),
    extra_args: z.array(z.string()).default([]),
  }).strict().default({ rsh: ['ssh', '-o', 'BatchMode=yes'], acls: true, xattrs: true, extra_args: [] }),
  /** Pulls of remote sources: how many machines are pulled at once (runtime/pull-schedule.ts). */
  pull: z.object({
    parallel: z.number().int().min(1).max(64).default(2),
  }).strict().default({ parallel: 2 }),
  retention: retentionSchema.default({
    keep_min: 30, min_free_before: 30 * 1024 ** 3, min_free_after: 40 * 1024 ** 3,
    min_inodes_before: 100_000, min_inodes_after: 300_000,
  }),
  vms: z.object({
    uri: z.string().default('qemu:///system'),
    domains: z.array(z.string().min(1)).default([]),
    shutdown_timeout_s: z.number().int().positive().default(300),
    shutdown_retries: z.number().int().positive().default(3),
  }).strict().default({ uri: 'qemu:///system', domains: [], shutdown_timeout_s: 300, shutdown_retries: 3 }),
  hooks: z.object({
    pre: z.array(argv).default([]),
    post: z.array(argv).default([]),
    /** Each hook is stopped (its process group) after this long and counts as failed. */
    timeout_s: z.number().positive().default(600),
  }).strict().default({ pre: [], post: [], timeout_s: 600 }),
  report: z.object({
    mail: mailSchema.optional(),
    /** Pinged at start (/start), success (plain) and failure (/fail), healthchecks.io style. */
    healthcheck_url: z.string().url().optional(),
    /** Prometheus node_exporter textfile, written after every run. */
    metrics_file: absPath.optional(),
    webhook: webhookSchema.optional(),
  }).strict().default({}),
  /** The scheduled deep verify (`verify --scheduled`, its own timer or cron line). */
  verify: z.object({
    /** Percent of inodes each scheduled run reads; every inode is read within ceil(100 / sample) runs. */
    sample: z.number().gt(0).max(100).default(5),
    /** healthchecks.io-style check of its own (success, /fail), apart from the backup's. */
    healthcheck_url: z.string().url().optional(),
  }).strict().default({ sample: 5 }),
  log: z.object({
    dir: absPath.default('/var/log/linkdest'),
    keep: count.default(60),
  }).strict().default({ dir: '/var/log/linkdest', keep: 60 }),
  /**
   * Group that may read the snapshots (restore operators): the backup root and the set
   * become 0750 with this group. Unset: 0700, root only.
   */
  backup_group: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/, 'expected a group name').optional(),
  /**
   * Spot check of each new snapshot against its local sources (runtime/spot-check.ts). Off
   * unless asked for (`spot: true` or any spot settings): it re-reads the source, which costs
   * a noticeable share of a run (bench/README.md), as borgmatic's `spot` check is opt-in too.
   */
  spot: z.object({
    enabled: z.boolean().default(true),
    /** Share of the copied regular files compared byte for byte with the source. */
    sample_pct: z.number().min(0).max(100).default(1),
    /** How far apart the source's and the snapshot's entry counts may be. */
    count_tolerance_pct: z.number().min(0).max(100).default(2),
  }).strict().default({ enabled: false, sample_pct: 1, count_tolerance_pct: 2 }),
  /** Emptied-source guard (runtime/shrink-rule.ts): a bigger drop in entries or bytes marks the snapshot suspect. */
  shrink: z.object({
    max_pct: z.number().gt(0, 'expected a percentage above 0').max(100).default(50),
  }).strict().default({ max_pct: 50 }),
  /** Lock, spool of unsent reports, run history. */
  state_dir: absPath.default('/var/lib/linkdest'),
}).strict().superRefine((c, ctx) => {
  // rsync options the snapshot engine refuses (engine/fast-path.ts), and sources that
  // would land on the same path (nested-sources.ts): errors at plan time and at run time.
  const refused = classifyExtraArgs(c.rsync.extra_args).refused;
  if (refused) ctx.addIssue({ code: 'custom', path: ['rsync', 'extra_args'], message: refused.replace(/^rsync\.extra_args: /, '') });
  const clash = sameDestination(c.sources.map((s) => s.path));
  if (clash) ctx.addIssue({ code: 'custom', path: ['sources'], message: clash });
});

export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
export type RuntimeConfigInput = z.input<typeof runtimeConfigSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;

export const DEFAULT_CONFIG_PATH = '/etc/linkdest/linkdest.json';

/** Dotted path of a zod issue, e.g. `retention.keep_min` or `sources[0].path`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
}

/** Validate an already-parsed object; the error names the file and the first bad field. */
export function parseRuntimeConfig(data: unknown, file = DEFAULT_CONFIG_PATH): RuntimeConfig {
  const r = runtimeConfigSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
    throw new LinkdestError(`${file}: ${issuePath(first.path)}: ${first.message}${more}`, { step: 'config', exitCode: 1 });
  }
  return r.data;
}

export function loadRuntimeConfig(file = DEFAULT_CONFIG_PATH): RuntimeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LinkdestError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { step: 'config' });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LinkdestError(`${file}: not valid JSON: ${(e as Error).message}`, { step: 'config' });
  }
  return parseRuntimeConfig(data, file);
}
