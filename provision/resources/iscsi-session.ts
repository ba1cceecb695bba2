/**
 * A session to the target on the first configured portal, and the LUN's by-path link.
 * Logs in with `-T TARGET -p PORTAL` only (never every record of the target), then polls
 * for /dev/disk/by-path/ip-PORTAL-iscsi-TARGET-lun-N instead of sleeping. When the CHAP
 * settings of the record change under a live session, logs out and in again so the new
 * credentials are the ones in use (iscsiadm -o update alone does not touch a session);
 * the backup filesystem is unmounted around that logout (see lun-mounts.ts). A re-login an
 * earlier apply could not finish is offered again (see relogin-pending.ts). A session a
 * backup run failed over to (a later configured portal) is moved back to the first rather
 * than joined by a second login there, which would give the host two disks for one LUN;
 * if the first portal still refuses, the session goes back where it was.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import { mutate, type HostApplyContext } from './host-resource.ts';
import { waitForBlockDevice } from './wait-device.ts';
import { chapValues, nodeChanges } from './iscsi-node.ts';
import { explainIscsiFailure } from '../iscsi/explain.ts';
import { credentialsChanged } from '../iscsi/node-settings.ts';
import { LUN_MOUNTS_SCRIPT, lunRelease, parseMountTargets } from '../iscsi/lun-mounts.ts';
import { CLEAR_RELOGIN_SCRIPT, RELOGIN_PENDING_FILE, reloginPending } from '../iscsi/relogin-pending.ts';
import { byPathLink, iscsiFactsOf, portalsOf, samePortal, type IscsiHostFacts, type IscsiResourceSpec } from '../iscsi/spec.ts';
import { IscsiResource } from './iscsi-resource.ts';

export interface SessionChangeData {
  portal: string;
  logout: boolean;
  login: boolean;
  /** A move: the later portal a run failed over to, logged out of before the login on `portal`. */
  from?: string;
}

export const LUN_LINK_TIMEOUT_S = 60;

/** Why the LUN is released, and what to do when it cannot be (both said in the refusal). */
interface Release { purpose: string; later: string }

export class IscsiSessionResource extends IscsiResource {
  readonly id: string;
  constructor(spec: IscsiResourceSpec) {
    super(spec);
    this.id = `iscsi-session:${spec.disk.target}`;
  }

  check(facts: IscsiHostFacts): Change[] {
    const f = iscsiFactsOf(facts, this.spec.host);
    const { target, lun } = this.spec.disk;
    const [portal, ...later] = portalsOf(this.spec.disk) as [string, ...string[]];
    const on = (p: string) => f.sessions.find((s) => s.target === target && samePortal(s.portal, p));
    const session = on(portal);
    const link = byPathLink(portal, target, lun);
    const change = (action: Change['action'], summary: string, data: SessionChangeData): Change[] => [{ resource: this.id, action, summary, data }];
    const failedOver = session ? undefined : later.find((p) => on(p) !== undefined);
    if (failedOver) {
      return change('update', `move the session to ${target} from ${failedOver} (a backup run failed over to it) back to ${portal}: unmount the backup disk, log out there, log in on ${portal} (back on ${failedOver} if ${portal} refuses)`,
        { portal, logout: false, login: true, from: failedOver });
    }
    if (!session) return change('run', `log in to ${target} on ${portal} and wait for ${link}`, { portal, logout: false, login: true });
    const primary = nodeChanges(this.spec, facts, chapValues(this.spec)).find((d) => samePortal(d.portal, portal));
    if (primary && credentialsChanged(primary.settings)) {
      return change('update', `log out of ${target} on ${portal} and in again so the new CHAP settings take effect`, { portal, logout: true, login: true });
    }
    if (reloginPending(f.reloginPending ?? [], session, f.bootId)) {
      return change('update', `log out of ${target} on ${portal} and in again: the session still runs on the CHAP settings from before the node record changed (an earlier apply could not log in again)`, { portal, logout: true, login: true });
    }
    if (!f.byPath.includes(link)) return change('run', `wait for ${link} (session is up)`, { portal, logout: false, login: false });
    return [];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    const { target } = this.spec.disk;
    for (const c of changes) {
      const d = c.data as SessionChangeData;
      const away = d.from ?? (d.logout ? d.portal : undefined);
      const remount = away ? await this.releaseLun(ctx, away, this.releaseFor(d, away)) : [];
      if (away) await mutate(ctx, [...this.node(away), '--logout']);
      if (d.login) {
        const refused = await this.login(ctx, d.portal);
        if (refused !== undefined && d.from !== undefined) {
          // The first portal is still down: the disk must not stay away because of it.
          const back = await this.login(ctx, d.from);
          if (back === undefined) {
            await this.waitForLink(ctx, d.from);
            for (const argv of remount) await mutate(ctx, argv);
          }
          throw new LinkdestError(`${refused}; ${back === undefined ? `the session is back on ${d.from}` : `and logging in on ${d.from} again failed too: ${back}`}`, { host: ctx.host, step: 'iscsi login' });
        }
        if (refused !== undefined) throw new LinkdestError(refused, { host: ctx.host, step: 'iscsi login' });
        // Whatever an earlier apply noted is done: this session read the record as it is now.
        await ctx.transport.run(['sh', '-c', CLEAR_RELOGIN_SCRIPT, 'linkdest-relogin-clear', RELOGIN_PENDING_FILE, target], { mutating: true });
      }
      await this.waitForLink(ctx, d.portal);
      for (const argv of remount) await mutate(ctx, argv);
    }
  }

  private node(portal: string): string[] {
    return ['iscsiadm', '-m', 'node', '-T', this.spec.disk.target, '-p', portal];
  }

  /** Logs in on `portal`; the reason in one line when it is refused. */
  private async login(ctx: HostApplyContext, portal: string): Promise<string | undefined> {
    const argv = [...this.node(portal), '--login'];
    ctx.log(argv.join(' '));
    const r = await ctx.transport.run(argv, { allowFailure: true, mutating: true, timeoutMs: 180_000 });
    if (r.code === 0) return undefined;
    return explainIscsiFailure(r.code, `${r.stderr}\n${r.stdout}`, {
      host: ctx.host, portal, target: this.spec.disk.target, chapGiven: this.spec.disk.chap !== undefined, chapAdvice: 'disk.iscsi.chap in the inventory',
    });
  }

  private async waitForLink(ctx: HostApplyContext, portal: string): Promise<void> {
    const { target, lun } = this.spec.disk;
    const link = byPathLink(portal, target, lun);
    try {
      await waitForBlockDevice(ctx, link, '', LUN_LINK_TIMEOUT_S);
    } catch {
      throw new LinkdestError(`logged in to ${target} on ${portal} but ${link} did not appear within ${LUN_LINK_TIMEOUT_S} s: check that LUN ${lun} exists on the NAS and is mapped to this target`, { host: ctx.host, step: 'iscsi login' });
    }
  }

  /** A move leaves nothing changed when refused; a CHAP re-login leaves the new record behind. */
  private releaseFor(d: SessionChangeData, away: string): Release {
    if (d.from) return { purpose: `to move the session back to ${d.portal}`, later: 'nothing was changed: apply again once the disk is free' };
    return {
      purpose: 'to log in again with the new CHAP settings',
      later: `the node record already has the new CHAP settings: once the disk is free, apply again (the plan offers the re-login) or \`iscsiadm -m node -T ${this.spec.disk.target} -p ${away} --logout\` and the next backup run logs in with them`,
    };
  }

  /** Unmounts the LUN's filesystem before a logout; returns how to mount it again. */
  private async releaseLun(ctx: HostApplyContext, portal: string, { purpose, later }: Release): Promise<string[][]> {
    const { target, lun } = this.spec.disk;
    const found = await ctx.transport.run(['sh', '-c', LUN_MOUNTS_SCRIPT, 'linkdest-lun-mounts', byPathLink(portal, target, lun)]);
    const release = lunRelease(parseMountTargets(found.stdout), this.spec.backup);
    if (!release.ok) {
      throw new LinkdestError(`cannot log out of ${target} on ${portal} ${purpose}: the LUN is mounted at ${release.foreign.join(', ')}, which linkdest does not manage; unmount it (${later})`, { host: ctx.host, step: 'iscsi login' });
    }
    for (const argv of release.unmount) {
      ctx.log(argv.join(' '));
      const r = await ctx.transport.run(argv, { allowFailure: true, mutating: true, timeoutMs: 120_000 });
      if (r.code !== 0) {
        const why = `${r.stderr}\n${r.stdout}`.trim().split('\n').pop() ?? '';
        throw new LinkdestError(`cannot unmount ${this.spec.backup?.mountpoint} ${purpose} (is a backup running?): ${why}; ${later}`, { host: ctx.host, step: 'iscsi login' });
      }
    }
    return release.remount;
  }
}
