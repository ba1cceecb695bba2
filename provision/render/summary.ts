/**
 * The closing table of plan/apply: one row per host with its status, how many changes,
 * how long it took and, for failed or unreachable hosts, where and why (one line).
 */
import { countStatuses, type HostStatus } from '../fleet.ts';
import { printable } from './printable.ts';

export interface SummaryRow {
  host: string;
  status: HostStatus;
  durationMs: number;
  /** Changes planned (plan) or applied (apply); undefined when the host never got that far. */
  changes?: number;
  step?: string;
  error?: string;
}

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
}

export function formatSummaryTable(rows: readonly SummaryRow[]): string {
  const header = ['HOST', 'STATUS', 'CHANGES', 'TIME', 'DETAIL'];
  const body = rows.map((r) => [
    r.host,
    r.status,
    r.changes === undefined ? '-' : String(r.changes),
    formatDuration(r.durationMs),
    r.error === undefined ? '' : printable(r.step === undefined ? r.error : `${r.step}: ${r.error}`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const c = countStatuses(rows);
  const total = `${rows.length} host${rows.length === 1 ? '' : 's'}: ${c.ok} ok, ${c.changed} changed, ${c.failed} failed, ${c.unreachable} unreachable`;
  return [pad(header, widths), ...body.map((b) => pad(b, widths)), total].join('\n');
}
