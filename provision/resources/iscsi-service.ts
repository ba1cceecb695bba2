/**
 * iscsid enabled at boot and running now, and the distribution's boot login service
 * enabled (it logs in to node records with node.startup = automatic, which linkdest sets
 * on its own record only). Unit names differ: Debian has iscsid.socket + open-iscsi.service,
 * Fedora/SUSE iscsid.socket (or .service) + iscsi.service. The boot login service is only
 * enabled, never started: starting it would log in to every automatic record on the host.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import { mutate, type HostApplyContext } from './host-resource.ts';
import type { IscsiFacts, IscsiUnit } from '../iscsi/facts.ts';
import { iscsiFactsOf, type IscsiHostFacts } from '../iscsi/spec.ts';
import { IscsiResource } from './iscsi-resource.ts';

interface UnitAction { unit: string; enable: boolean; start: boolean }

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
    if (!facts.systemd) {
      throw new LinkdestError('this host does not run systemd: enable iscsid at boot yourself (OpenRC: rc-update add iscsid default)', { host: this.spec.host, step: 'iscsi' });
    }
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

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    await ctx.flushHandlers();
    let actions = changes.map((c) => c.data as UnitAction | undefined);
    if (actions.some((a) => a === undefined)) actions = await this.resolveAfterInstall(ctx);
    for (const a of actions) {
      if (a === undefined) continue;
      if (a.enable && a.start) await mutate(ctx, ['systemctl', 'enable', '--now', '--', a.unit]);
      else if (a.enable) await mutate(ctx, ['systemctl', 'enable', '--', a.unit]);
      else await mutate(ctx, ['systemctl', 'start', '--', a.unit]);
    }
  }

  /** open-iscsi was installed in this apply: ask systemd which of its units exist now. */
  private async resolveAfterInstall(ctx: HostApplyContext): Promise<UnitAction[]> {
    const units: Record<string, IscsiUnit> = {};
    for (const u of ['iscsid.socket', 'iscsid.service', 'open-iscsi.service', 'iscsi.service']) {
      const r = await ctx.transport.run(['systemctl', 'show', '-p', 'LoadState', '-p', 'UnitFileState', '-p', 'ActiveState', '--', u], { allowFailure: true });
      const kv = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      units[u] = { load: kv.get('LoadState') ?? 'not-found', enabled: kv.get('UnitFileState') ?? '', active: kv.get('ActiveState') ?? 'inactive' };
    }
    const actions = iscsiUnitActions({ hostname: '', commands: {}, units, records: [], settings: {}, sessions: [], byPath: [] });
    if (actions === undefined) throw new LinkdestError('open-iscsi was installed but neither iscsid.socket nor iscsid.service exists', { host: ctx.host, step: 'iscsi' });
    return actions;
  }
}
