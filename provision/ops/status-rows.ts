/**
 * `linkdest status` rows from each host's overview, and the monitoring verdict: a host is
 * stale when it has no successful (ok or warning, not suspect) complete snapshot newer than --max-age.
 * Pure: the time is handed in, so the table of cases in the tests pins every rule.
 */
import { EXIT } from '../../runtime/errors.ts';
import type { Overview } from '../../runtime/ops/overview.ts';
import type { SourceResult } from '../../runtime/run-result.ts';
import { parseStamp } from '../../runtime/layout.ts';
import type { DiskState } from '../../runtime/disks/disk-states.ts';

export interface StatusRow {
  host: string;
  reachable: boolean;
  /** Newest successful complete snapshot. */
  lastSnapshot?: string;
  lastSnapshotAt?: string;
  ageMs?: number;
  /** Last run's result: ok / warning / failed / running / interrupted / skipped, or unknown. */
  result: string;
  reason?: string;
  /** Each source's result in the last run (from its last-run.json). */
  sources?: SourceResult[];
  /** Sources not pulled within max-age (they make the row stale). */
  staleSources?: string[];
  sizeBytes?: number;
  addedBytes?: number;
  snapshots?: number;
  oldest?: string;
  freeBytes?: number;
  freeInodes?: number;
  nextRun?: string;
  mounted?: boolean;
  version?: string;
  versionMismatch: boolean;
  stale: boolean;
  error?: string;
  /** Rotation: every enrolled disk, and those away longer than rotation.max_absence (a warning). */
  disks?: DiskState[];
  absentDisks?: string[];
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `26h`, `90m`, `2d`, `1d12h` -> ms. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+[smhdw])+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+)([smhdw])/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 ? ms : undefined;
}

/** `3h 12m`, `2d 4h`, `45s`: the two largest units. */
export function formatAge(ms: number): string {
  if (ms < 0) return 'in the future';
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']];
  const first = parts.findIndex(([v]) => v > 0);
  if (first < 0) return '0s';
  return parts.slice(first, first + 2).filter(([v]) => v > 0).map(([v, u]) => `${v}${u}`).join(' ');
}

/**
 * Sources of the last run whose newest pull is older than max-age: failed tonight and kept
 * from a snapshot that old, or never pulled. A run that warns every night while one machine
 * stays unreachable must fail the check like a host without a fresh snapshot. The stamp is
 * the backup host's local time, read here as this machine's: off by the zones' difference.
 */
export function staleSources(sources: readonly SourceResult[] | undefined, now: Date, maxAgeMs: number): string[] {
  return (sources ?? []).filter((x) => {
    if (x.status !== 'failed') return false;
    const at = x.kept === undefined ? undefined : parseStamp(x.kept);
    return at === undefined || now.getTime() - at.getTime() > maxAgeMs;
  }).map((x) => x.source);
}

export function statusRow(host: string, o: Overview, now: Date, maxAgeMs: number, controlVersion: string): StatusRow {
  // While a run has the disk the snapshots cannot be read: the runs' records name the newest good one.
  const all = o.snapshots ?? (o.running !== undefined && o.lastSuccess ? [o.lastSuccess] : []);
  // A suspect snapshot (its source came up empty or shrank: runtime/shrink-rule.ts) is no
  // success: a source unmounted for a week makes the host stale, as no backup would.
  const good = all.filter((s) => (s.status === 'ok' || s.status === 'warning') && !s.suspect);
  const last = good[good.length - 1];
  const ageMs = last ? now.getTime() - Date.parse(last.time) : undefined;
  const run = o.lastRun;
  let result = run?.state ?? (all.length > 0 ? (all[all.length - 1]!.status ?? 'unknown') : 'never run');
  let reason = run?.errors[0] ?? run?.warnings[0];
  if (o.error) {
    reason = reason ? `${reason}; now: ${o.error}` : o.error;
    if (result === 'ok') result = 'unreadable';
  }
  const row: StatusRow = {
    host, reachable: true, result, versionMismatch: o.version !== controlVersion, version: o.version,
    stale: ageMs === undefined || ageMs > maxAgeMs, mounted: o.mounted,
  };
  const newest = all[all.length - 1];
  if (newest?.suspect) reason = `newest snapshot ${newest.name} is SUSPECT: ${newest.suspect[0]}`;
  if (reason) row.reason = reason;
  if (run?.sources && run.sources.length > 0) {
    row.sources = run.sources;
    const old = staleSources(run.sources, now, maxAgeMs);
    if (old.length > 0) {
      row.stale = true;
      row.staleSources = old;
    }
  }
  if (last) {
    Object.assign(row, { lastSnapshot: last.name, lastSnapshotAt: last.time, ageMs });
    if (last.bytesTotal !== undefined) row.sizeBytes = last.bytesTotal;
    if (last.bytesAdded !== undefined) row.addedBytes = last.bytesAdded;
  }
  if (o.snapshots) { row.snapshots = all.length; if (all[0]) row.oldest = all[0].name; }
  if (o.space) { row.freeBytes = o.space.freeBytes; row.freeInodes = o.space.freeInodes; }
  if (o.disks) {
    row.disks = o.disks;
    const absent = o.disks.filter((d) => d.absent).map((d) => d.id);
    if (absent.length > 0) row.absentDisks = absent;
  }
  if (o.schedule.next) row.nextRun = o.schedule.next;
  else if (o.schedule.detail) row.reason ??= o.schedule.detail;
  return row;
}

/** A host we could not ask: unreachable (network, ssh) or an error (runtime missing, bad output). */
export function unreachableRow(host: string, error: string, result: 'unreachable' | 'error' = 'unreachable'): StatusRow {
  return { host, reachable: false, result, error, versionMismatch: false, stale: true };
}

/**
 * 0 when every host has a fresh successful snapshot; 1 otherwise (the monitoring check);
 * 2 when all are fresh but a rotation disk has been away longer than rotation.max_absence.
 */
export function statusExitCode(rows: readonly StatusRow[]): number {
  if (rows.some((r) => r.stale)) return EXIT.error;
  return rows.some((r) => (r.absentDisks?.length ?? 0) > 0) ? EXIT.pendingOrWarnings : EXIT.ok;
}
