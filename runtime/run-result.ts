/**
 * The outcome of one nightly run: what the report (mail, metrics, healthcheck), the
 * snapshot metadata and `status --json` are made from.
 */
export type RunStatus = 'ok' | 'warning' | 'failed' | 'skipped';

export interface SpaceInfo {
  freeBytes: number;
  totalBytes: number;
  freeInodes: number;
  totalInodes: number;
}

export interface SnapshotStats {
  /** Files (all kinds) in the new snapshot. */
  files: number;
  /** Regular files copied because they were new or changed. */
  filesTransferred: number;
  bytesTransferred: number;
  /** Regular files and bytes shared with the link source by hard link. */
  filesLinked: number;
  bytesLinked: number;
  /** Total size of the files in the snapshot (apparent). */
  bytesTotal: number;
  /** Space this snapshot took on the destination (free-space drop while it was written). */
  bytesUsed?: number;
}

export interface PrunedSnapshot {
  name: string;
  /** Why it went: 'space', 'inodes', 'thinning', 'disk-full'. */
  reason: string;
  ms: number;
}

export interface VmOutcome {
  domain: string;
  /** State before we touched it, from `LC_ALL=C virsh domstate`. */
  initialState: string;
  wasRunning: boolean;
  stopped: boolean;
  restarted: boolean;
  error?: string;
  /** Something the admin should know that did not stop the backup (a paused VM left paused). */
  warning?: string;
}

/** One source's part of a run (runtime/copy-sources.ts). */
export interface SourceResult {
  /** As configured: `/Apps` or `host:/path`. */
  source: string;
  status: 'ok' | 'warning' | 'failed';
  /** Why it is not ok, one line. */
  reason?: string;
  /** Failed: the snapshot whose copy of this source the new one holds instead (stale since then), if any. */
  kept?: string;
}

/** Rotation (docs/rotation.md): which disk the run used, why, and every enrolled disk's state. */
export interface RunDisks {
  /** Id of the disk written to, when one was. */
  used?: string;
  /** How the disk was chosen (or why none was). */
  reason?: string;
  /** Attached filesystems that are not enrolled: never written to. */
  unknown: string[];
  disks: Array<{ id: string; attached: boolean; newestSnapshot?: string; lastSeen?: string; freeBytes?: number; absent: boolean }>;
}

export interface RunResult {
  /** Host name (os.hostname()). */
  host: string;
  /** Snapshot set name (DEST/NAME). */
  name: string;
  status: RunStatus;
  /** ISO-8601. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Absolute path of the snapshot written (complete), when one was. */
  snapshot?: string;
  /** Why the run failed or was skipped, one line each. */
  errors: string[];
  warnings: string[];
  stats?: SnapshotStats;
  /** Each source's result, when a snapshot was attempted. */
  sources?: SourceResult[];
  spaceBefore?: SpaceInfo;
  spaceAfter?: SpaceInfo;
  pruned: PrunedSnapshot[];
  /** Complete snapshots after the run. */
  snapshotCount: number;
  /** Those of them marked suspect by the emptied-source guard and not accepted (undefined: not looked at). */
  suspectSnapshots?: string[];
  vms: VmOutcome[];
  logFile?: string;
  exitCode: number;
  /** Rotation hosts only. */
  disks?: RunDisks;
}

/** What every account of a run carries (last-run.json, the webhook's payload). */
export type RunOutline = Pick<RunResult, 'host' | 'name' | 'status' | 'exitCode' | 'startedAt' | 'finishedAt' | 'durationMs' | 'errors' | 'warnings'>;
