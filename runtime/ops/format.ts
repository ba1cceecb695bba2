/**
 * Text for people, from the JSON documents the host commands produce. Shared by the host
 * CLI (text mode) and the control side, which always asks the host for JSON.
 */
import { formatBytes } from '../size.ts';
import type { HistoryReport } from './history-command.ts';
import type { HistoryItem } from './history.ts';
import type { SnapshotRow } from './overview.ts';
import type { PinOutcome } from './pin.ts';
import type { RestoreOutcome } from './restore.ts';
import type { RunSummary } from './run-logs.ts';
import { otherDisksLines } from '../disks/other-disks.ts';

/** Columns padded to their widest cell; the last column is never padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const size = (n: number | undefined): string => (n === undefined ? '-' : formatBytes(n));

/** Local `YYYY-MM-DD HH:MM` of an ISO time (or ms). */
export function localTime(t: string | number | undefined): string {
  if (t === undefined) return '-';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '-';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function formatSnapshots(rows: readonly SnapshotRow[], partials: readonly string[] = []): string {
  if (rows.length === 0 && partials.length === 0) return 'no snapshots yet\n';
  const body = rows.map((r) => [
    r.name, r.suspect ? 'SUSPECT' : r.status ?? '?', r.pinned ? 'pinned' : '', r.files === undefined ? '-' : String(r.files), size(r.bytesAdded), size(r.bytesTotal),
    [r.pinNote, r.suspect?.[0] ?? r.warnings?.[0]].filter(Boolean).join('; '),
  ]);
  for (const p of partials) body.push([p, 'partial', '', '-', '-', '-', 'interrupted run; the next run resumes it, never restored from']);
  return `${table(['SNAPSHOT', 'RESULT', 'PIN', 'FILES', 'ADDED', 'SIZE', 'NOTE'], body)}\n`;
}

export function formatPin(p: PinOutcome): string {
  if (!p.pinned) return p.changed ? `unpinned ${p.snapshot}: the retention rules apply to it again\n` : `${p.snapshot} was not pinned; nothing changed\n`;
  const note = p.note === undefined ? '' : ` (${p.note})`;
  return p.changed ? `pinned ${p.snapshot}${note}: no retention rule deletes it until it is unpinned\n` : `${p.snapshot} is already pinned${note}; nothing changed\n`;
}

export function formatHistory(h: HistoryReport): string {
  const suspect = new Set(h.suspect ?? []);
  // Snapshots are named by time, so a stretch holds a suspect one when one sorts between its ends.
  const flagged = (i: HistoryItem): string => ([...suspect].some((n) => n >= i.from && n <= i.to) ? ' (SUSPECT snapshot: its source came up empty or shrank)' : '');
  const body = h.items.map((i) => [
    i.version === 0 ? '-' : String(i.version), i.from, i.to, String(i.snapshots),
    i.version === 0 ? '(absent)' : size(i.size), `${i.version === 0 ? '' : `${i.type ?? ''} modified ${localTime(i.mtimeMs)}`}${flagged(i)}`.trim(),
  ]);
  const n = new Set(h.items.filter((i) => i.version > 0).map((i) => i.version)).size;
  const others = otherDisksLines(h.disk, h.otherDisks ?? []);
  return `${h.path}: ${n} distinct version${n === 1 ? '' : 's'}\n${table(['VERSION', 'FIRST', 'LAST', 'SNAPSHOTS', 'SIZE', 'DETAIL'], body)}\n${others.map((l) => `${l}\n`).join('')}`;
}

export function formatRestore(r: RestoreOutcome): string {
  const lines = [`${r.dryRun ? 'dry run: would restore' : 'restored'} ${r.from} -> ${r.target} (snapshot ${r.snapshot})`];
  lines.push(...(r.changes.length > 0 ? r.changes : ['(nothing to change: the target already equals the snapshot)']));
  if (r.newer.length > 0) {
    lines.push(r.dryRun
      ? `${r.newer.length} file(s) at the target are newer than the snapshot's copy; a real restore refuses unless --force:`
      : `${r.newer.length} newer file(s) were overwritten (--force):`);
    lines.push(...r.newer.map((n) => `  ${n}`));
  }
  lines.push(...otherDisksLines(r.disk, r.otherDisks ?? []));
  return `${lines.join('\n')}\n`;
}

export function formatRuns(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'no runs logged yet\n';
  return `${table(['RUN', 'RESULT', 'EXIT', 'DETAIL'], runs.map((r) => [
    r.id, r.state, r.exitCode === undefined ? '-' : String(r.exitCode), r.errors[0] ?? r.warnings[0] ?? '',
  ]))}\n`;
}
