/**
 * A scheduled job the inventory no longer asks for (today: `verify` removed): its timer is
 * disabled and stopped, its unit files or cron file removed, then one daemon-reload. Plan
 * shows each removal; a host that never had it needs nothing.
 */
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import type { ScheduledJob } from './schedule.ts';

export class RetiredScheduleResource implements HostResource {
  readonly id: string;
  readonly query;

  constructor(private readonly job: ScheduledJob, private readonly why: string) {
    this.id = `${job.id}:retired`;
    this.query = { files: [{ path: job.service.path }, { path: job.timer.path }, { path: job.cron }] };
  }

  check(facts: Facts): Change[] {
    const present = [this.job.timer.path, this.job.service.path, this.job.cron].filter((p) => facts.files[p]?.exists);
    return present.map((path) => ({
      resource: this.id, action: 'delete' as const, summary: `remove ${path} (${this.why})`,
      ...(path === this.job.cron ? {} : { notify: ['daemon-reload' as const] }),
      data: { path, timer: path === this.job.timer.path && facts.systemd },
    }));
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const { path, timer } = c.data as { path: string; timer: boolean };
      if (timer) await ctx.transport.run(['systemctl', 'disable', '--now', '--', this.job.timer.path.split('/').pop()!], { allowFailure: true, mutating: true });
      await mutate(ctx, ['rm', '-f', '--', path]);
    }
  }
}
