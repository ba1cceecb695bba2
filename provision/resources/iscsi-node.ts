/**
 * The node record of the configured target on each configured portal, and nothing more:
 * `iscsiadm -m node -o new -T TARGET -p PORTAL` (never a discovery that would add every
 * portal the NAS announces), then node.startup (automatic on the first portal only, so the
 * boot logs in once), the auth method and the CHAP user/password. Records of the same
 * target on portals the inventory does not name are set to manual startup so the boot
 * never logs in there (Ansible's open_iscsi logs in to all of them).
 *
 * Passwords: iscsiadm takes a value only as `-v VALUE`. The value reaches the host on
 * stdin of a fixed script and is put into iscsiadm's argv there, so it is never in
 * linkdest's argv, command history, plan or logs, nor on the control machine; on the host it
 * is visible in /proc/PID/cmdline of that one iscsiadm process for the milliseconds it runs.
 */
import type { Change } from './resource.ts';
import { mutate, type HostApplyContext } from './host-resource.ts';
import { readSecret } from './secret-file.ts';
import { NODE_KEYS } from '../iscsi/node-records.ts';
import { credentialsChanged, describeSetting, settingChanges, wantedSettings, type ChapValues, type Setting } from '../iscsi/node-settings.ts';
import { NOTE_RELOGIN_SCRIPT, RELOGIN_PENDING_FILE } from '../iscsi/relogin-pending.ts';
import { iscsiFactsOf, portalsOf, samePortal, type IscsiHostFacts, type IscsiResourceSpec } from '../iscsi/spec.ts';
import { IscsiResource } from './iscsi-resource.ts';

export interface NodeChangeData {
  portal: string;
  create: boolean;
  settings: Setting[];
  /** New credentials under this live session: noted on the host before the record changes. */
  liveSession?: { sid: number; boot: string };
}

const SET_SECRET_SCRIPT = 'IFS= read -r v || [ -n "$v" ] || exit 3\nexec iscsiadm -m node -T "$1" -p "$2" -o update -n "$3" -v "$v"';

/** The CHAP values of the inventory, secrets read from their references (control machine). */
export function chapValues(spec: IscsiResourceSpec): ChapValues | undefined {
  const chap = spec.disk.chap;
  if (chap === undefined) return undefined;
  const what = `host ${spec.host}: disk.iscsi.chap`;
  return {
    user: chap.user,
    password: readSecret(chap.secret, what),
    ...(chap.mutual ? { mutual: { user: chap.mutual.user, password: readSecret(chap.mutual.secret, `${what}.mutual`) } } : {}),
  };
}

/** Node changes per portal, pure given the CHAP values. Exported for the session resource. */
export function nodeChanges(spec: IscsiResourceSpec, facts: IscsiHostFacts, chap: ChapValues | undefined): NodeChangeData[] {
  const f = iscsiFactsOf(facts, spec.host);
  const target = spec.disk.target;
  const configured = portalsOf(spec.disk);
  const out: NodeChangeData[] = [];
  configured.forEach((portal, i) => {
    const exists = f.records.some((r) => r.target === target && samePortal(r.portal, portal));
    const record = exists ? Object.entries(f.settings).find(([p]) => samePortal(p, portal))?.[1] ?? {} : undefined;
    const settings = settingChanges(record, wantedSettings(chap, i === 0));
    const session = f.sessions.find((s) => s.target === target && samePortal(s.portal, portal));
    const live = exists && session && f.bootId && credentialsChanged(settings) ? { liveSession: { sid: session.sid, boot: f.bootId } } : {};
    if (!exists || settings.length > 0) out.push({ portal, create: !exists, settings, ...live });
  });
  for (const r of f.records) {
    if (r.target !== target || configured.some((p) => samePortal(p, r.portal))) continue;
    const startup = Object.entries(f.settings).find(([p]) => samePortal(p, r.portal))?.[1]?.[NODE_KEYS.startup];
    if (startup === 'automatic' || startup === 'onboot') {
      out.push({ portal: r.portal, create: false, settings: [{ key: NODE_KEYS.startup, value: 'manual' }] });
    }
  }
  return out;
}

export class IscsiNodeResource extends IscsiResource {
  readonly id: string;
  constructor(spec: IscsiResourceSpec) {
    super(spec);
    this.id = `iscsi-node:${spec.disk.target}`;
  }

  check(facts: IscsiHostFacts): Change[] {
    const configured = portalsOf(this.spec.disk);
    return nodeChanges(this.spec, facts, chapValues(this.spec)).map((d) => {
      const why = configured.some((p) => samePortal(p, d.portal)) ? '' : ' (not a configured portal: never logged in to at boot)';
      const what = d.settings.map(describeSetting).join(', ');
      const summary = d.create
        ? `create the iSCSI node record for ${this.spec.disk.target} on ${d.portal}${what ? `: ${what}` : ''}`
        : `set ${what} on the node record of ${this.spec.disk.target} at ${d.portal}${why}`;
      return { resource: this.id, action: d.create ? 'create' as const : 'update' as const, summary, data: d };
    });
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    const target = this.spec.disk.target;
    let chap: ChapValues | undefined;
    for (const c of changes) {
      const d = c.data as NodeChangeData;
      const node = ['iscsiadm', '-m', 'node', '-T', target, '-p', d.portal];
      if (d.create) await mutate(ctx, [...node, '-o', 'new']);
      if (d.liveSession) {
        const { sid, boot } = d.liveSession;
        ctx.log(`note in ${RELOGIN_PENDING_FILE} that session ${sid} to ${target} at ${d.portal} must log in again`);
        await ctx.transport.run(['sh', '-c', NOTE_RELOGIN_SCRIPT, 'linkdest-relogin-note', RELOGIN_PENDING_FILE, target, d.portal, String(sid), boot], { mutating: true });
      }
      for (const s of d.settings) {
        if (s.secret === undefined) {
          await mutate(ctx, [...node, '-o', 'update', '-n', s.key, '-v', s.value ?? '']);
          continue;
        }
        chap ??= chapValues(this.spec);
        const value = s.secret === 'password' ? chap?.password : chap?.mutual?.password;
        ctx.log(`set ${s.key} on ${target} at ${d.portal} (value sent on stdin)`);
        await ctx.transport.run(['sh', '-c', SET_SECRET_SCRIPT, 'linkdest-iscsi-secret', target, d.portal, s.key], {
          stdin: `${value ?? ''}\n`,
          mutating: true,
        });
      }
    }
  }
}
