/** The `linkdest status` table and its closing line. */
import { formatBytes } from '../../runtime/size.ts';
import { localTime, table } from '../../runtime/ops/format.ts';
import { formatAge, type StatusRow } from './status-rows.ts';
import { sourceResultLine } from '../../runtime/source-result.ts';
import type { DiskState } from '../../runtime/disks/disk-states.ts';

const bytes = (n: number | undefined): string => (n === undefined ? '-' : formatBytes(n));

function count(n: number | undefined): string {
  if (n === undefined) return '-';
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

export function formatStatus(rows: readonly StatusRow[], controlVersion: string, maxAge: string): string {
  const body = rows.map((r) => {
    if (!r.reachable) return [r.host, r.result, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', r.error ?? ''];
    const flag = r.stale ? ' STALE' : '';
    return [
      r.host,
      `${r.result}${flag}`,
      r.lastSnapshotAt ? `${localTime(r.lastSnapshotAt)} (${formatAge(r.ageMs ?? 0)} ago)` : 'none',
      bytes(r.sizeBytes), bytes(r.addedBytes),
      r.snapshots === undefined ? '-' : String(r.snapshots),
      r.oldest ?? '-',
      bytes(r.freeBytes), count(r.freeInodes),
      r.nextRun ? localTime(r.nextRun) : '-',
      r.mounted === undefined ? '-' : r.mounted ? 'yes' : 'no',
      r.versionMismatch ? `${r.version} (control ${controlVersion})` : (r.version ?? '-'),
      r.reason ?? '',
    ];
  });
  const stale = rows.filter((r) => r.stale).map((r) => r.host);
  const verdict = stale.length === 0
    ? `all ${rows.length} host(s) have a successful snapshot newer than ${maxAge}`
    : `no successful snapshot newer than ${maxAge}: ${rows.filter((r) => r.stale).map((r) => (r.staleSources ? `${r.host} (source ${r.staleSources.join(', ')})` : r.host)).join(', ')}`;
  const main = table(['HOST', 'RESULT', 'LAST SNAPSHOT', 'SIZE', 'ADDED', 'COUNT', 'OLDEST', 'FREE', 'INODES', 'NEXT RUN', 'MOUNTED', 'VERSION', 'DETAIL'], body);
  // Per-source results of the last run, for hosts that pull more than one source.
  const sources = rows.filter((r) => (r.sources?.length ?? 0) > 1)
    .flatMap((r) => r.sources!.map((x) => `${r.host}  ${sourceResultLine(x)}`));
  const disks = rows.filter((r) => r.disks && r.disks.length > 0).flatMap((r) => r.disks!.map((d) => `${r.host}  ${diskLine(d)}`));
  const absent = rows.filter((r) => r.absentDisks).map((r) => `${r.host} (disk ${r.absentDisks!.join(', ')})`);
  const warn = absent.length > 0 ? `warning: rotation disks away longer than rotation.max_absence: ${absent.join(', ')}\n` : '';
  return `${main}\n${disks.length > 0 ? `\nrotation disks:\n${disks.map((l) => `  ${l}`).join('\n')}\n` : ''}${sources.length > 0 ? `\nlast run, per source:\n${sources.map((l) => `  ${l}`).join('\n')}\n\n` : ''}${verdict}\n${warn}`;
}

/** `A  attached  newest 2026-12-01_03-00-00  last seen ...  free 1.2 TB`, ABSENT flagged. */
export function diskLine(d: DiskState): string {
  return [
    `disk ${d.id}`, d.attached ? 'attached' : 'not attached', d.encrypted ? 'encrypted' : '',
    `newest ${d.newestSnapshot ?? 'none'}`, `last seen ${d.lastSeen ? localTime(d.lastSeen) : 'never'}`,
    `free ${bytes(d.freeBytes)}`, d.absent ? `ABSENT for ${formatAge((d.absentForS ?? 0) * 1000)}` : '',
  ].filter(Boolean).join('  ');
}
