import type { SnapshotStats, SourceResult, SpaceInfo, RunStatus } from './run-result.ts';
import type { ManifestSummary } from './manifest/write.ts';

/**
 * The JSON file written into a snapshot as its last act before the commit rename.
 * `startedMs` is what the next run's pre-link pass compares source ctimes against;
 * `engineKeys` say which settings shaped each source's copy, so a change of excludes or
 * flags disables the pre-link pass for that source until a snapshot exists with them.
 * A failed source has no engine key: its subtree is an older snapshot's copy (`sourceResults`
 * says which), so `startedMs` says nothing about it and the next run must not pre-link it.
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
  /** Each source's result; absent in snapshots written before issue 17 (every source ok then). */
  sourceResults?: SourceResult[];
  stats: SnapshotStats & { durationMs: number; bytesUsed?: number };
  spaceBefore?: SpaceInfo;
  spaceAfter?: SpaceInfo;
  warnings: string[];
  /** Per configured source, for the next run's emptied-source guard and link-ratio alarm (snapshot-checks.ts). */
  perSource?: Record<string, SourceFigures>;
  /** Set when the emptied-source guard flagged this snapshot: why, one line per source (suspect.ts). */
  suspect?: string[];
  /** What the checksum manifest cost (absent in snapshots made before manifests). */
  manifest?: ManifestSummary;
}

export interface SourceFigures {
  /** Entries in the copy, its own directory included. */
  files: number;
  bytes: number;
  regular: number;
  /** Regular files not hard-linked to anything (copied afresh). */
  fresh: number;
  /** Share of the previous snapshot's files this run linked; absent without a previous one. */
  linkShare?: number;
}
