/**
 * Each enrolled disk as status, `disk list`, the run's report and the metrics show it, and
 * the absence rule: a disk not seen attached for longer than rotation.max_absence (counted
 * from when it became known, for a disk never seen) is a warning. Pure.
 */
import type { RotationDisk } from '../config.ts';
import type { DiskRecords } from './seen-record.ts';

export interface DiskState {
  id: string;
  uuid: string;
  encrypted: boolean;
  attached: boolean;
  newestSnapshot?: string;
  /** ISO. */
  lastSeen?: string;
  freeBytes?: number;
  /** Seconds since last seen (or known), when longer than max_absence. */
  absentForS?: number;
  absent: boolean;
}

export function diskStates(
  enrolled: readonly RotationDisk[], records: DiskRecords, attached: readonly string[], now: Date, maxAbsenceS: number,
): DiskState[] {
  return enrolled.map((d) => {
    const r = records[d.id];
    const isAttached = attached.includes(d.id);
    const since = r?.last_seen ?? r?.known_since;
    const away = since === undefined ? 0 : (now.getTime() - Date.parse(since)) / 1000;
    const absent = !isAttached && away > maxAbsenceS;
    return {
      id: d.id, uuid: d.uuid, encrypted: d.luks_uuid !== undefined, attached: isAttached,
      ...(r?.newest_snapshot !== undefined && { newestSnapshot: r.newest_snapshot }),
      ...(r?.last_seen !== undefined && { lastSeen: r.last_seen }),
      ...(r?.free_bytes !== undefined && { freeBytes: r.free_bytes }),
      ...(absent && { absentForS: Math.floor(away) }),
      absent,
    };
  });
}

/** `3d 4h`-style, for warnings (whole hours at most). */
function span(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h > 0 ? ` ${h}h` : ''}`;
  if (h > 0) return `${h}h${m > 0 ? ` ${m}m` : ''}`;
  return `${Math.max(m, 0)}m ${Math.floor(s % 60)}s`;
}

/** One warning line per absent disk. */
export function absenceWarnings(states: readonly DiskState[], maxAbsenceS: number): string[] {
  return states.filter((s) => s.absent).map((s) => `disk ${s.id} not seen for ${span(s.absentForS ?? 0)}${s.lastSeen ? ` (last seen ${s.lastSeen})` : ' (never seen since enrolment)'}, longer than rotation.max_absence ${span(maxAbsenceS)}: bring it back and attach it`);
}
