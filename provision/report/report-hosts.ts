/**
 * What `linkdest report --html` shows of each host, decided apart from the HTML: the status
 * row (the same rules as `linkdest status`), the series for the charts over the last N
 * snapshots, and the order: hosts that need a look first. Pure: time and data handed in.
 */
import type { Overview, SnapshotRow } from '../../runtime/ops/overview.ts';
import { statusRow, unreachableRow, type StatusRow } from '../ops/status-rows.ts';

export interface ChartPoint {
  /** Snapshot name (its time stamp), shown in the point's tooltip. */
  label: string;
  /** ms since the epoch: the x axis. */
  at: number;
  value: number;
}

export interface HostSeries {
  /** Snapshots on the disk now that were taken at or before each snapshot: the depth of history. */
  count: ChartPoint[];
  /** Space each snapshot took on the disk. */
  added: ChartPoint[];
  /** Free bytes and inodes on the destination right after each snapshot. */
  freeBytes: ChartPoint[];
  freeInodes: ChartPoint[];
}

export interface ReportHost {
  row: StatusRow;
  /** 0 failed, 1 unreachable or error, 2 stale, 3 warning or running, 4 ok: the sort key. */
  severity: number;
  series: HostSeries;
  /** Warnings of the newest snapshot. */
  warnings: string[];
}

/** One host as the fleet returned it: its overview, or why there is none. */
export type HostOverview =
  | { host: string; overview: Overview }
  | { host: string; error: string; unreachable: boolean };

const FAILED = new Set(['failed', 'unreadable', 'interrupted', 'skipped']);

export function severity(row: StatusRow): number {
  if (row.reachable && FAILED.has(row.result)) return 0;
  if (!row.reachable) return 1;
  if (row.stale) return 2;
  if (row.result !== 'ok') return 3;
  return 4;
}

function seriesOf(rows: readonly SnapshotRow[], lastN: number): HostSeries {
  const all = rows.map((r, i) => ({ r, at: Date.parse(r.time), depth: i + 1 }));
  const recent = all.slice(-lastN);
  const points = (pick: (r: SnapshotRow, depth: number) => number | undefined): ChartPoint[] => recent.flatMap(({ r, at, depth }) => {
    const value = pick(r, depth);
    return value === undefined ? [] : [{ label: r.name, at, value }];
  });
  return {
    count: points((_r, depth) => depth),
    added: points((r) => r.bytesAdded),
    freeBytes: points((r) => r.freeBytes),
    freeInodes: points((r) => r.freeInodes),
  };
}

const NO_SERIES: HostSeries = { count: [], added: [], freeBytes: [], freeInodes: [] };

/** Rows in report order: by severity, then the oldest last snapshot first, then by name. */
export function reportHosts(hosts: readonly HostOverview[], now: Date, maxAgeMs: number, lastN: number, controlVersion: string): ReportHost[] {
  const out = hosts.map((h): ReportHost => {
    if (!('overview' in h)) {
      const row = unreachableRow(h.host, h.error, h.unreachable ? 'unreachable' : 'error');
      return { row, severity: severity(row), series: NO_SERIES, warnings: [] };
    }
    const row = statusRow(h.host, h.overview, now, maxAgeMs, controlVersion);
    const snaps = h.overview.snapshots ?? [];
    return { row, severity: severity(row), series: seriesOf(snaps, lastN), warnings: snaps.at(-1)?.warnings ?? [] };
  });
  const age = (r: ReportHost): number => r.row.ageMs ?? Number.POSITIVE_INFINITY;
  return out.sort((a, b) => a.severity - b.severity || age(b) - age(a) || a.row.host.localeCompare(b.row.host));
}
