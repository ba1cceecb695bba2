/**
 * The emptied-source guard's rule: a source that shrank by more than `maxPct` (entries or
 * bytes) against the last good snapshot, or that is an empty directory where that snapshot
 * held data (a source disk not mounted: the bare mount point is an empty directory), makes
 * the new snapshot suspect. Pure, table-tested; snapshot-checks.ts applies it, retention.ts
 * says what a suspect snapshot means for pruning.
 */
import { formatBytes } from './size.ts';

export interface SourceSize {
  /** Entries, the source's own directory included (rsync's "Number of files"). */
  files: number;
  bytes: number;
}

const drop = (before: number, now: number): number => (before > 0 ? ((before - now) / before) * 100 : 0);

/** Why the source is suspect, in one line, or undefined. `baseline` names the snapshot compared with. */
export function shrinkFinding(source: string, prev: SourceSize | undefined, now: SourceSize, maxPct: number, baseline: string): string | undefined {
  if (!prev) return undefined;
  const held = prev.files > 1 || prev.bytes > 0;
  if (now.files <= 1 && held) {
    return `${source}: an empty directory where ${baseline} held ${prev.files - 1} entries (${formatBytes(prev.bytes)}): is its disk or share not mounted?`;
  }
  const files = drop(prev.files, now.files);
  const bytes = drop(prev.bytes, now.bytes);
  const parts: string[] = [];
  if (files > maxPct) parts.push(`${files.toFixed(0)} % fewer entries (${prev.files} -> ${now.files})`);
  if (bytes > maxPct) parts.push(`${bytes.toFixed(0)} % fewer bytes (${formatBytes(prev.bytes)} -> ${formatBytes(now.bytes)})`);
  if (parts.length === 0) return undefined;
  return `${source}: shrank against ${baseline}: ${parts.join(', ')}; more than the ${maxPct} % allowed`;
}
