/**
 * iscsid enabled at boot and running now, and the distribution's boot login service
 * enabled (it logs in to node records with node.startup = automatic, which linkdest sets
 * on its own record only). Unit names differ: Debian has iscsid.socket + open-iscsi.service,
 * Fedora/SUSE iscsid.socket (or .service) + iscsi.service. The boot login service is only
 * enabled, never started: starting it would log in to every automatic record on the host.
 * Hosts without systemd (SysV init, OpenRC): see provision/iscsi/boot-services.ts.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import { mutate, type HostApplyContext } from './host-resource.ts';
import { gatherIscsiFacts, ISCSID_RUNNING_SH, type IscsiFacts, type IscsiUnit } from '../iscsi/facts.ts';
import { nonSystemdBootDecision, type BootStep } from '../iscsi/boot-services.ts';
import { iscsiFactsOf, type IscsiHostFacts } from '../iscsi/spec.ts';
import { IscsiResource } from './iscsi-resource.ts';

interface UnitAction { unit: string; enable: boolean; start: boolean }
/** Change data without systemd: the step to run, or `afterInstall` (decide on the host then). */
type BootData = { boot: BootStep } | { afterInstall: true };

const loaded = (u: IscsiUnit | undefined): boolean => u !== undefined && u.load === 'loaded';

/** Which units to enable/start, from the units the host has; undefined: open-iscsi not installed yet. */
export function iscsiUnitActions(f: IscsiFacts): UnitAction[] | undefined {
  const daemon = ['iscsid.socket', 'iscsid.service'].find((u) => loaded(f.units[u]));
  if (daemon === undefined) return undefined;
  const boot = ['open-iscsi.service', 'iscsi.service'].find((u) => loaded(f.units[u]));
  const want: UnitAction[] = [];
  const d = f.units[daemon]!;
  const daemonUp = d.active === 'active' || (daemon === 'iscsid.socket' && f.units['iscsid.service']?.active === 'active');
  if (d.enabled !== 'enabled' || !daemonUp) want.push({ unit: daemon, enable: d.enabled !== 'enabled', start: !daemonUp });
  if (boot !== undefined && !['enabled', 'static'].includes(f.units[boot]!.enabled)) want.push({ unit: boot, enable: true, start: false });
  return want;
}

export class IscsiServiceResource extends IscsiResource {
  readonly id = 'iscsi:service';

  check(facts: IscsiHostFacts): Change[] {
    const f = iscsiFactsOf(facts, this.spec.host);
    if (!facts.systemd) return this.checkWithoutSystemd(f);
    const masked = ['iscsid.socket', 'iscsid.service'].filter((u) => f.units[u]?.load === 'masked');
    if (masked.length > 0) {
      throw new LinkdestError(`${masked.join(' and ')} ${masked.length > 1 ? 'are' : 'is'} masked: unmask (systemctl unmask ${masked.join(' ')}) so the LUN can be logged in to`, { host: this.spec.host, step: 'iscsi' });
    }
    const actions = iscsiUnitActions(f);
    if (actions === undefined) {
      if (f.commands.iscsiadm !== undefined) throw new LinkdestError('open-iscsi is installed but neither iscsid.socket nor iscsid.service exists', { host: this.spec.host, step: 'iscsi' });
      return [{ resource: this.id, action: 'run', summary: 'enable iscsid and the boot login service once open-iscsi is installed' }];
    }
    return actions.map((a) => ({
      resource: this.id,
      action: 'run' as const,
      summary: `${a.enable && a.start ? 'enable and start' : a.enable ? 'enable' : 'start'} ${a.unit}`,
      data: a,
    }));
  }

  private checkWithoutSystemd(f: IscsiFacts): Change[] {
    const d = nonSystemdBootDecision(f);
    if (d.kind === 'error') throw new LinkdestError(d.message, { host: this.spec.host, step: 'iscsi' });
    if (d.kind === 'after-install') return [{ resource: this.id, action: 'run', summary: d.summary, data: { afterInstall: true } satisfies BootData }];
    return d.steps.map((boot) => ({ resource: this.id, action: 'run' as const, summary: boot.summary, data: { boot } satisfies BootData }));
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    await ctx.flushHandlers();
    if (changes.some((c) => isBootData(c.data))) return this.applyWithoutSystemd(changes.map((c) => c.data as BootData), ctx);
    let actions = changes.map((c) => c.data as UnitAction | undefined);
    if (actions.some((a) => a === undefined)) actions = await this.resolveAfterInstall(ctx);
    for (const a of actions) {
      if (a === undefined) continue;
      if (a.enable && a.start) await mutate(ctx, ['systemctl', 'enable', '--now', '--', a.unit]);
      else if (a.enable) await mutate(ctx, ['systemctl', 'enable', '--', a.unit]);
      else await mutate(ctx, ['systemctl', 'start', '--', a.unit]);
    }
  }

  private async applyWithoutSystemd(data: BootData[], ctx: HostApplyContext): Promise<void> {
    let steps = data.flatMap((d) => ('boot' in d ? [d.boot] : []));
    if (data.some((d) => 'afterInstall' in d)) {
      // open-iscsi was installed in this apply: its scripts and their links exist only now.
      const d = nonSystemdBootDecision(await gatherIscsiFacts(ctx.transport, this.iscsiQuery));
      if (d.kind === 'error') throw new LinkdestError(d.message, { host: ctx.host, step: 'iscsi' });
      if (d.kind === 'after-install') throw new LinkdestError('open-iscsi was installed but iscsiadm is still missing', { host: ctx.host, step: 'iscsi' });
      steps = d.steps;
    }
    for (const step of steps) {
      for (const argv of step.argv) await mutate(ctx, argv);
      if (step.expectIscsid) await this.expectIscsid(ctx, step);
    }
  }

  /** A start can exit 0 and leave no daemon (the init script forks iscsid, which then fails). */
  private async expectIscsid(ctx: HostApplyContext, step: BootStep): Promise<void> {
    const r = await ctx.transport.run(['sh', '-c', `sleep 1; ${ISCSID_RUNNING_SH}`], { allowFailure: true });
    if (r.code === 0) return;
    throw new LinkdestError(`iscsid is not running after \`${step.argv.map((a) => a.join(' ')).join('; ')}\`: it exits at once when the kernel has no iSCSI initiator (iscsi_tcp, NETLINK_ISCSI); see the system log`, { host: ctx.host, step: 'iscsi' });
  }

  /** open-iscsi was installed in this apply: ask systemd which of its units exist now. */
  private async resolveAfterInstall(ctx: HostApplyContext): Promise<UnitAction[]> {
    const actions = iscsiUnitActions(await gatherIscsiFacts(ctx.transport, this.iscsiQuery));
    if (actions === undefined) throw new LinkdestError('open-iscsi was installed but neither iscsid.socket nor iscsid.service exists', { host: ctx.host, step: 'iscsi' });
    return actions;
  }
}

function isBootData(d: unknown): d is BootData {
  return typeof d === 'object' && d !== null && ('boot' in d || 'afterInstall' in d);
}
