/** The run's figures as lines for the log and the plain-text report. */
import type { RunResult } from './run-result.ts';
import { formatBytes } from './size.ts';
import { sourceResultLine } from './source-result.ts';
import { diskLines } from './disks/report-lines.ts';

export function summaryLines(r: RunResult): string[] {
  const lines = [`status: ${r.status} (exit ${r.exitCode}), ${(r.durationMs / 1000).toFixed(1)} s`];
  if (r.snapshot) lines.push(`snapshot: ${r.snapshot}`);
  lines.push(...diskLines(r));
  if (r.stats) {
    const s = r.stats;
    lines.push(`files: ${s.files}, transferred ${s.filesTransferred} (${formatBytes(s.bytesTransferred)}), hard-linked ${s.filesLinked} (${formatBytes(s.bytesLinked)}), total ${formatBytes(s.bytesTotal)}`);
  }
  for (const x of r.sources ?? []) lines.push(`source ${sourceResultLine(x)}`);
  const sp = (label: string, x: RunResult['spaceBefore']): void => {
    if (x) lines.push(`${label}: ${formatBytes(x.freeBytes)} free of ${formatBytes(x.totalBytes)}, ${x.freeInodes} inodes free`);
  };
  sp('space before', r.spaceBefore);
  sp('space after', r.spaceAfter);
  for (const p of r.pruned) lines.push(`pruned ${p.name} (${p.reason}) in ${(p.ms / 1000).toFixed(1)} s`);
  lines.push(`complete snapshots: ${r.snapshotCount}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines;
}

export function exitCodeFor(status: RunResult['status']): number {
  return status === 'ok' ? 0 : status === 'warning' ? 2 : 1;
}
