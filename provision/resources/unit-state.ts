/**
 * A systemd unit that must be enabled and running (the automount, the timer). Runs after
 * the pending daemon-reload, so a unit written in this apply is known when it starts.
 * On hosts without systemd there is nothing to do (the cron file stands in).
 */
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';

export class UnitStateResource implements HostResource {
  readonly id: string;
  readonly query;

  constructor(private readonly unit: string) {
    this.id = `unit:${unit}`;
    this.query = { units: [unit] };
  }

  check(facts: Facts): Change[] {
    if (!facts.systemd) return [];
    const state = facts.units[this.unit] ?? { enabled: 'not-found', active: 'inactive' };
    const enable = state.enabled !== 'enabled';
    const start = state.active !== 'active';
    if (!enable && !start) return [];
    const verb = enable && start ? 'enable and start' : enable ? 'enable' : 'start';
    return [{ resource: this.id, action: 'run', summary: `${verb} ${this.unit}`, data: { enable, start } }];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    await ctx.flushHandlers();
    for (const c of changes) {
      const { enable, start } = c.data as { enable: boolean; start: boolean };
      if (enable && start) await mutate(ctx, ['systemctl', 'enable', '--now', '--', this.unit]);
      else if (enable) await mutate(ctx, ['systemctl', 'enable', '--', this.unit]);
      else await mutate(ctx, ['systemctl', 'start', '--', this.unit]);
    }
  }
}
