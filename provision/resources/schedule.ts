/**
 * When the runtime runs: on systemd hosts linkdest.service (oneshot) + linkdest.timer
 * (OnCalendar from the inventory); elsewhere /etc/cron.d/linkdest with the equivalent line.
 * Which one is decided by the facts (PID 1), so the same inventory serves both kinds of host.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import type { HostApplyContext, HostResource } from './host-resource.ts';
import { applyFile, fileChange, type FileChangeData, type FileSpec } from './file.ts';
import { renderTemplate } from '../templates.ts';
import { CalendarError, onCalendarToCron } from '../systemd/calendar.ts';
import { UNIT_DIR } from './mount-units.ts';

export const RUNTIME_PATH = '/usr/local/lib/linkdest/linkdest-runtime.mjs';
export const CONFIG_PATH = '/etc/linkdest/linkdest.json';
export const SERVICE_PATH = `${UNIT_DIR}/linkdest.service`;
export const TIMER_PATH = `${UNIT_DIR}/linkdest.timer`;
export const CRON_PATH = '/etc/cron.d/linkdest';
export const DEFAULT_NODE = '/usr/bin/node';

/** One scheduled runtime command: the nightly run, or the scheduled verify. */
export interface ScheduledJob {
  id: string;
  args: string[];
  service: { path: string; template: 'linkdest.service' | 'linkdest-verify.service' };
  timer: { path: string; template: 'linkdest.timer' | 'linkdest-verify.timer' };
  cron: string;
}

export const BACKUP_JOB: ScheduledJob = {
  id: 'schedule', args: ['run'], cron: CRON_PATH,
  service: { path: SERVICE_PATH, template: 'linkdest.service' }, timer: { path: TIMER_PATH, template: 'linkdest.timer' },
};

export const VERIFY_SERVICE_PATH = `${UNIT_DIR}/linkdest-verify.service`;
export const VERIFY_TIMER_PATH = `${UNIT_DIR}/linkdest-verify.timer`;
export const VERIFY_CRON_PATH = '/etc/cron.d/linkdest-verify';
export const VERIFY_JOB: ScheduledJob = {
  id: 'verify-schedule', args: ['verify', '--scheduled'], cron: VERIFY_CRON_PATH,
  service: { path: VERIFY_SERVICE_PATH, template: 'linkdest-verify.service' }, timer: { path: VERIFY_TIMER_PATH, template: 'linkdest-verify.timer' },
};

export interface ScheduleSpec {
  /** systemd OnCalendar expression. */
  schedule: string;
  randomizedDelaySec: number;
}

export function runtimeArgv(facts: Facts, args: string[] = ['run']): string[] {
  return [facts.node?.path ?? DEFAULT_NODE, RUNTIME_PATH, ...args, '--config', CONFIG_PATH];
}

/** The files this host's kind of scheduler needs, rendered. Throws for cron-less schedules. */
export function renderSchedule(spec: ScheduleSpec, facts: Facts, job: ScheduledJob = BACKUP_JOB): { path: string; content: string }[] {
  const execStart = runtimeArgv(facts, job.args);
  if (facts.systemd) {
    return [
      { path: job.service.path, content: renderTemplate(job.service.template, { execStart }) },
      { path: job.timer.path, content: renderTemplate(job.timer.template, { schedule: spec.schedule, randomizedDelaySec: spec.randomizedDelaySec }) },
    ];
  }
  try {
    return [{ path: job.cron, content: renderTemplate('cron', { cron: onCalendarToCron(spec.schedule), command: execStart }) }];
  } catch (e) {
    if (e instanceof CalendarError) throw new LinkdestError(e.message, { step: 'schedule' });
    throw e;
  }
}

export class ScheduleResource implements HostResource {
  readonly id: string;
  readonly query;

  constructor(private readonly spec: ScheduleSpec, private readonly job: ScheduledJob = BACKUP_JOB) {
    this.id = job.id;
    this.query = { files: [{ path: job.service.path }, { path: job.timer.path }, { path: job.cron }] };
  }

  private fileSpec(path: string, facts: Facts): FileSpec {
    return { path, mode: 0o644, ...(facts.systemd ? { notify: ['daemon-reload' as const] } : {}) };
  }

  check(facts: Facts): Change[] {
    return renderSchedule(this.spec, facts, this.job).flatMap(({ path, content }) => {
      const c = fileChange(this.id, facts, this.fileSpec(path, facts), content);
      return c ? [{ ...c, data: { ...(c.data as FileChangeData), content, systemd: facts.systemd } }] : [];
    });
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const data = c.data as FileChangeData & { content: string; systemd: boolean };
      const spec: FileSpec = { path: data.path, mode: 0o644, ...(data.systemd ? { notify: ['daemon-reload' as const] } : {}) };
      await applyFile(ctx, spec, data, () => data.content);
    }
  }
}
