/**
 * The spot check's decisions (spot-check.ts does the I/O): whether a source file changed
 * while the run was copying it (then a difference is no alarm), and whether the source's
 * file count and the snapshot's differ by more than the tolerance. Pure, table-tested.
 */

/**
 * Slack before the run's start: the kernel stamps ctime/mtime from a coarse clock that lags
 * Date.now() by a few milliseconds, and some filesystems keep whole seconds only. A file
 * written in the second before the run started is treated as changed during it: a missed
 * alarm for that file is better than a false one for a file the copy raced with.
 */
export const CHANGE_SLACK_MS = 1000;

export interface Times { mtimeMs: number; ctimeMs: number }

/** True when the file (or directory) was touched at or after the run's start, give or take the slack. */
export function changedDuringRun(t: Times, runStartMs: number): boolean {
  const since = Math.floor(runStartMs / 1000) * 1000 - CHANGE_SLACK_MS;
  return t.mtimeMs >= since || t.ctimeMs >= since;
}

/** Entries the counts may differ by: tolerancePct of the larger count, rounded up. */
export function allowedCountDifference(sourceCount: number, snapshotCount: number, tolerancePct: number): number {
  return Math.ceil((Math.max(sourceCount, snapshotCount) * tolerancePct) / 100);
}

/** A one-line finding when the counts differ by more than the tolerance, else undefined. */
export function countBreach(source: string, sourceCount: number, snapshotCount: number, tolerancePct: number): string | undefined {
  const diff = Math.abs(sourceCount - snapshotCount);
  if (diff <= allowedCountDifference(sourceCount, snapshotCount, tolerancePct)) return undefined;
  const pct = ((diff / Math.max(sourceCount, snapshotCount)) * 100).toFixed(1);
  return `${source}: the source holds ${sourceCount} entries, the snapshot ${snapshotCount} (${pct} % apart, tolerance ${tolerancePct} %)`;
}
