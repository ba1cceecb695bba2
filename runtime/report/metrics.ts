/**
 * Prometheus node_exporter textfile (collector.textfile.directory). Written atomically so
 * the exporter never reads half a file. The last success time survives failed runs: it is
 * carried over from the previous file, so an alert on "no success for 2 days" works.
 */
import type { RunResult, RunStatus } from '../run-result.ts';
import { parseStamp } from '../layout.ts';
import { labelValue as label, previousGauge, writeTextfile } from './textfile.ts';

const STATUSES: readonly RunStatus[] = ['ok', 'warning', 'failed', 'skipped'];

/** The previous file's success timestamp for this set, if any. */
export function previousSuccess(text: string, name: string): number | undefined {
  return previousGauge(text, 'linkdest_last_success_timestamp_seconds', name);
}

export function renderMetrics(r: RunResult, lastSuccess: number | undefined): string {
  const l = `{name="${label(r.name)}"}`;
  const out: string[] = [];
  const metric = (name: string, help: string, type: 'gauge' | 'counter', values: Array<[string, number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of values) out.push(`${name}${labels} ${v}`);
  };
  const finished = Date.parse(r.finishedAt) / 1000;
  const success = r.status === 'ok' || r.status === 'warning' ? finished : lastSuccess;
  metric('linkdest_last_run_timestamp_seconds', 'When the last run finished.', 'gauge', [[l, finished]]);
  if (success !== undefined) {
    metric('linkdest_last_success_timestamp_seconds', 'When the last run that wrote a snapshot finished.', 'gauge', [[l, success]]);
  }
  metric('linkdest_last_run_duration_seconds', 'Duration of the last run.', 'gauge', [[l, r.durationMs / 1000]]);
  metric('linkdest_last_run_status', 'Status of the last run (1 for the current status).', 'gauge',
    STATUSES.map((s) => [`{name="${label(r.name)}",status="${s}"}`, r.status === s ? 1 : 0]));
  metric('linkdest_last_run_exit_code', 'Exit code of the last run.', 'gauge', [[l, r.exitCode]]);
  if (r.stats) {
    metric('linkdest_last_run_bytes_transferred', 'Bytes copied (new or changed files) by the last run.', 'gauge', [[l, r.stats.bytesTransferred]]);
    metric('linkdest_last_run_files_transferred', 'Files copied by the last run.', 'gauge', [[l, r.stats.filesTransferred]]);
    metric('linkdest_last_run_files_linked', 'Files hard-linked to the previous snapshot by the last run.', 'gauge', [[l, r.stats.filesLinked]]);
    metric('linkdest_last_snapshot_files', 'Files in the last snapshot.', 'gauge', [[l, r.stats.files]]);
    metric('linkdest_last_snapshot_bytes', 'Apparent size of the last snapshot.', 'gauge', [[l, r.stats.bytesTotal]]);
  }
  const space = r.spaceAfter ?? r.spaceBefore;
  if (space) {
    metric('linkdest_destination_free_bytes', 'Free bytes on the destination.', 'gauge', [[l, space.freeBytes]]);
    metric('linkdest_destination_free_inodes', 'Free inodes on the destination.', 'gauge', [[l, space.freeInodes]]);
  }
  if (r.sources && r.sources.length > 0) {
    const src = (x: { source: string }): string => `name="${label(r.name)}",source="${label(x.source)}"`;
    metric('linkdest_source_status', 'Result of each source in the last run (1 for the current status).', 'gauge',
      r.sources.flatMap((x) => (['ok', 'warning', 'failed'] as const).map((s): [string, number] => [`{${src(x)},status="${s}"}`, x.status === s ? 1 : 0])));
    metric('linkdest_source_stale', 'Whether the last snapshot holds an older copy of the source (it failed).', 'gauge',
      r.sources.map((x): [string, number] => [`{${src(x)}}`, x.status === 'failed' ? 1 : 0]));
    // For "source not pulled for 2 days" alerts: a failed source's last pull is the kept copy's snapshot.
    const pulled = r.sources.flatMap((x): Array<[string, number]> => {
      const at = x.status !== 'failed' ? finished : x.kept ? (parseStamp(x.kept)?.getTime() ?? NaN) / 1000 : NaN;
      return Number.isFinite(at) ? [[`{${src(x)}}`, at]] : [];
    });
    if (pulled.length > 0) metric('linkdest_source_last_pull_timestamp_seconds', 'When each source was last pulled (its snapshot\'s start when the last run failed it).', 'gauge', pulled);
  }
  if (r.disks && r.disks.disks.length > 0) {
    const dl = (id: string): string => `{name="${label(r.name)}",disk="${label(id)}"}`;
    const seen = r.disks.disks.flatMap((d): Array<[string, number]> => (d.lastSeen ? [[dl(d.id), Date.parse(d.lastSeen) / 1000]] : []));
    if (seen.length > 0) metric('linkdest_disk_last_seen_timestamp_seconds', 'When each rotation disk was last seen attached.', 'gauge', seen);
    metric('linkdest_disk_absent', 'Whether a rotation disk has not been seen for longer than rotation.max_absence.', 'gauge',
      r.disks.disks.map((d): [string, number] => [dl(d.id), d.absent ? 1 : 0]));
    metric('linkdest_disk_used', 'Whether the last run wrote to this rotation disk.', 'gauge',
      r.disks.disks.map((d): [string, number] => [dl(d.id), r.disks!.used === d.id ? 1 : 0]));
    const free = r.disks.disks.flatMap((d): Array<[string, number]> => (d.freeBytes !== undefined ? [[dl(d.id), d.freeBytes]] : []));
    if (free.length > 0) metric('linkdest_disk_free_bytes', 'Free bytes on each rotation disk when it was last used.', 'gauge', free);
  }
  metric('linkdest_snapshots', 'Complete snapshots on the destination.', 'gauge', [[l, r.snapshotCount]]);
  if (r.suspectSnapshots) {
    metric('linkdest_snapshots_suspect', 'Complete snapshots marked suspect by the emptied-source guard and not accepted.', 'gauge', [[l, r.suspectSnapshots.length]]);
    if (r.snapshot) {
      const newest = r.snapshot.slice(r.snapshot.lastIndexOf('/') + 1);
      metric('linkdest_last_snapshot_suspect', 'Whether the last run\'s snapshot is suspect (a source came up empty or shrank past shrink.max_pct).', 'gauge', [[l, r.suspectSnapshots.includes(newest) ? 1 : 0]]);
    }
  }
  metric('linkdest_last_run_pruned_snapshots', 'Snapshots pruned by the last run.', 'gauge', [[l, r.pruned.length]]);
  return `${out.join('\n')}\n`;
}

/** Writes `path` atomically for readers, the last success carried over from the file it replaces. */
export async function writeMetricsFile(path: string, r: RunResult): Promise<void> {
  await writeTextfile(path, (previous) => renderMetrics(r, previousSuccess(previous, r.name)));
}
