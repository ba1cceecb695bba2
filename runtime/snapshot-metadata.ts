import type { SnapshotStats, SpaceInfo, RunStatus } from './run-result.ts';
import type { ManifestSummary } from './manifest/write.ts';

/**
 * The JSON file written into a snapshot as its last act before the commit rename.
 * `startedMs` is what the next run's pre-link pass compares source ctimes against;
 * `engineKeys` say which settings shaped each source's copy, so a change of excludes or
 * flags disables the pre-link pass for that source until a snapshot exists with them.
 */
export interface SnapshotMetadata {
  version: 1;
  name: string;
  host: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  startedMs: number;
  resumed: boolean;
  sources: string[];
  engineKeys: Record<string, string>;
  stats: SnapshotStats & { durationMs: number; bytesUsed?: number };
  spaceBefore?: SpaceInfo;
  spaceAfter?: SpaceInfo;
  warnings: string[];
  /** What the checksum manifest cost (absent in snapshots made before manifests). */
  manifest?: ManifestSummary;
}
