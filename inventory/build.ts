/**
 * Validated host settings -> HostSpec: built-in defaults filled, control-machine paths
 * made absolute, secrets kept as references, `runtime` completed by the runtime's own
 * schema so both halves agree on every default.
 */
import path from 'node:path';
import type { z } from 'zod';
import { runtimeConfigSchema, type RuntimeConfigInput } from '../runtime/config.ts';
import type { HostSpec, SecretRef, SshSpec } from './host-spec.ts';
import type { HostSettings } from './schema.ts';
import { resolveSources, type PullHostInfo, type PullProblem, type ResolvedSources } from './pull-resolve.ts';

export const DEFAULTS = {
  connection: 'ssh',
  mountpoint: '/mnt/Backup',
  mount: 'automount',
  marker: '.linkdest-backup',
  schedule: '*-*-* 03:00:00',
  filesystem: 'ext4',
  label: 'linkdest',
  install_packages: true,
} as const;

/** Rotation defaults (docs/rotation.md): seconds. */
export const ROTATION_DEFAULTS = { run_on_attach: false, min_age: 20 * 3600, max_absence: 14 * 86400 } as const;

/** Where an encrypted rotation disk's key file lives on the host (root, 0600; issue 15b). */
export function rotationKeyFile(id: string): string {
  return `/etc/linkdest/keys/${id}.key`;
}

/** Where the provisioner installs the SMTP password on the host (mode 0600, root). */
export const HOST_SMTP_PASSWORD_FILE = '/etc/linkdest/smtp-password';
/** Where the provisioner installs the webhook URL (a secret: it holds the token) on the host. */
export const HOST_WEBHOOK_URL_FILE = '/etc/linkdest/webhook-url';

export interface BuildContext {
  name: string;
  groups: string[];
  /** `linkdest.yml:12:3` of the host key. */
  origin: string;
  /** Directory of the inventory file: relative paths are resolved against it. */
  dir: string;
  home: string;
  /** Every inventory host a source may name (backup and `role: source` hosts). */
  pullHosts?: ReadonlyMap<string, PullHostInfo>;
}

/** `~/x` -> $HOME/x, `keys/id` -> <inventory dir>/keys/id, absolute paths unchanged. */
export function expandPath(p: string, dir: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(dir, p);
}

type Secretish = { password_file?: string | undefined; password_env?: string | undefined };

function secretRef(o: Secretish, ctx: BuildContext): SecretRef | undefined {
  if (o.password_file !== undefined) return { password_file: expandPath(o.password_file, ctx.dir, ctx.home) };
  if (o.password_env !== undefined) return { password_env: o.password_env };
  return undefined;
}

function webhookUrlRef(w: NonNullable<NonNullable<HostSettings['report']>['webhook']>, ctx: BuildContext): SecretRef | undefined {
  return secretRef({ password_file: w.url_file, password_env: w.url_env }, ctx);
}

function diskOf(d: NonNullable<HostSettings['disk']>, ctx: BuildContext): HostSpec['disk'] {
  const common = { filesystem: d.filesystem ?? DEFAULTS.filesystem, label: d.label ?? DEFAULTS.label };
  if (d.usb) return { target: { kind: 'usb', device: d.usb.device }, ...common };
  if (d.rotation) {
    const r = d.rotation;
    return {
      target: {
        kind: 'rotation',
        disks: (r.disks ?? []).map((k) => ({ id: k.id, uuid: k.uuid.toLowerCase(), ...(k.luks_uuid !== undefined && { luks_uuid: k.luks_uuid.toLowerCase() }) })),
        run_on_attach: r.run_on_attach ?? ROTATION_DEFAULTS.run_on_attach,
        min_age: r.min_age ?? ROTATION_DEFAULTS.min_age,
        max_absence: r.max_absence ?? ROTATION_DEFAULTS.max_absence,
      },
      ...common,
    };
  }
  const i = d.iscsi!;
  const chap = i.chap && {
    user: i.chap.user,
    secret: secretRef(i.chap, ctx)!,
    ...(i.chap.mutual && { mutual: { user: i.chap.mutual.user, secret: secretRef(i.chap.mutual, ctx)! } }),
  };
  return { target: { kind: 'iscsi', portals: i.portal, target: i.target, lun: i.lun, ...(chap && { chap }) }, ...common };
}

function runtimeInput(s: HostSettings, ctx: BuildContext, sources: ResolvedSources['sources']): RuntimeConfigInput {
  const mail = s.report?.mail;
  const webhook = s.report?.webhook;
  return {
    name: s.name ?? ctx.name,
    destination: { path: s.mountpoint ?? DEFAULTS.mountpoint },
    sources,
    exclude: s.exclude,
    rsync: s.rsync,
    pull: s.pull,
    retention: s.retention,
    vms: s.vms && {
      uri: s.vms.uri, domains: s.vms.domains,
      shutdown_timeout_s: s.vms.shutdown_timeout, shutdown_retries: s.vms.shutdown_retries,
    },
    hooks: s.hooks && { pre: s.hooks.pre, post: s.hooks.post, timeout_s: s.hooks.timeout },
    report: s.report && {
      healthcheck_url: s.report.healthcheck_url,
      metrics_file: s.report.metrics_file,
      webhook: webhook && { url_file: HOST_WEBHOOK_URL_FILE, when: webhook.when, timeout_s: webhook.timeout },
      mail: mail && {
        to: mail.to, from: mail.from, style: mail.style,
        smtp: {
          host: mail.smtp.host, port: mail.smtp.port, security: mail.smtp.security, user: mail.smtp.user,
          password_file: secretRef(mail.smtp, ctx) ? HOST_SMTP_PASSWORD_FILE : undefined,
        },
      },
    },
    verify: s.verify && { sample: s.verify.sample, healthcheck_url: s.verify.healthcheck_url },
    log: s.log,
    state_dir: s.state_dir,
    backup_group: s.backup_group,
    spot: s.spot,
    shrink: s.shrink,
  };
}

/** How the control machine reaches a host, from its `ssh:` settings (paths made absolute). */
export function sshSpecOf(ssh: HostSettings['ssh'], name: string, ctx: Pick<BuildContext, 'dir' | 'home'>): SshSpec {
  return {
    host: ssh?.host ?? name,
    ...(ssh?.port !== undefined && { port: ssh.port }),
    ...(ssh?.user !== undefined && { user: ssh.user }),
    ...(ssh?.identity !== undefined && { identity: expandPath(ssh.identity, ctx.dir, ctx.home) }),
    ...(ssh?.known_hosts !== undefined && { known_hosts: expandPath(ssh.known_hosts, ctx.dir, ctx.home) }),
    ...(ssh?.jump !== undefined && { jump: ssh.jump }),
  };
}

/** The HostSpec, the problems of its pulled sources, or the runtime schema's issues if the two schemas ever disagree. */
export function buildHostSpec(s: HostSettings, ctx: BuildContext): { spec: HostSpec } | { issues: z.core.$ZodIssue[] } | { pullProblems: PullProblem[] } {
  const resolved = resolveSources(ctx.name, s.sources, ctx.pullHosts ?? new Map(), (p) => expandPath(p, ctx.dir, ctx.home));
  if (resolved.problems.length > 0) return { pullProblems: resolved.problems };
  const parsed = runtimeConfigSchema.safeParse(runtimeInput(s, ctx, resolved.sources));
  if (!parsed.success) return { issues: parsed.error.issues };
  const { destination: _destination, ...runtime } = parsed.data;
  const connection = s.connection ?? DEFAULTS.connection;
  const ssh = connection === 'ssh' ? sshSpecOf(s.ssh, ctx.name, ctx) : undefined;
  const smtpPassword = s.report?.mail ? secretRef(s.report.mail.smtp, ctx) : undefined;
  const webhookUrl = s.report?.webhook ? webhookUrlRef(s.report.webhook, ctx) : undefined;
  const spec: HostSpec = {
    name: ctx.name,
    groups: ctx.groups,
    connection,
    ...(ssh && { ssh }),
    // sudo is needed exactly when we log in as someone else than root.
    become: s.become ?? (ssh?.user !== undefined && ssh.user !== 'root'),
    install_packages: s.install_packages ?? DEFAULTS.install_packages,
    ...(s.disk && { disk: diskOf(s.disk, ctx) }),
    mountpoint: s.mountpoint ?? DEFAULTS.mountpoint,
    mount: s.mount ?? DEFAULTS.mount,
    ...(s.mount === undefined && { mountDefaulted: true }),
    marker: s.marker ?? DEFAULTS.marker,
    schedule: s.schedule ?? DEFAULTS.schedule,
    ...(s.verify && { verify_schedule: s.verify.schedule }),
    ...(smtpPassword && { smtp_password: smtpPassword }),
    ...(webhookUrl && { webhook_url: webhookUrl }),
    runtime,
    ...(resolved.pull.length > 0 && { pull: resolved.pull }),
    origin: ctx.origin,
  };
  return { spec };
}
