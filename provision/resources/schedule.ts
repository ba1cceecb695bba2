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

export interface ScheduleSpec {
  /** systemd OnCalendar expression. */
  schedule: string;
  randomizedDelaySec: number;
}

export function runtimeArgv(facts: Facts): string[] {
  return [facts.node?.path ?? DEFAULT_NODE, RUNTIME_PATH, 'run', '--config', CONFIG_PATH];
}

/** The files this host's kind of scheduler needs, rendered. Throws for cron-less schedules. */
export function renderSchedule(spec: ScheduleSpec, facts: Facts): { path: string; content: string }[] {
  const execStart = runtimeArgv(facts);
  if (facts.systemd) {
    return [
      { path: SERVICE_PATH, content: renderTemplate('linkdest.service', { execStart }) },
      { path: TIMER_PATH, content: renderTemplate('linkdest.timer', { schedule: spec.schedule, randomizedDelaySec: spec.randomizedDelaySec }) },
    ];
  }
  try {
    return [{ path: CRON_PATH, content: renderTemplate('cron', { cron: onCalendarToCron(spec.schedule), command: execStart }) }];
  } catch (e) {
    if (e instanceof CalendarError) throw new LinkdestError(e.message, { step: 'schedule' });
    throw e;
  }
}

export class ScheduleResource implements HostResource {
  readonly id = 'schedule';
  readonly query = { files: [{ path: SERVICE_PATH }, { path: TIMER_PATH }, { path: CRON_PATH }] };

  constructor(private readonly spec: ScheduleSpec) {}

  private fileSpec(path: string, facts: Facts): FileSpec {
    return { path, mode: 0o644, ...(facts.systemd ? { notify: ['daemon-reload' as const] } : {}) };
  }

  check(facts: Facts): Change[] {
    return renderSchedule(this.spec, facts).flatMap(({ path, content }) => {
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
