/**
 * The part of a run that touches the destination: prune(before) -> snapshot ->
 * prune(after). Shared by the host run (run.ts, after lock, VMs and guard) and the local
 * `linkdest snapshot` command. Never throws for a failed backup: failures are returned.
 */
import type { RuntimeConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { PrunedSnapshot, SnapshotStats, SourceResult, SpaceInfo } from './run-result.ts';
import { LinkdestError } from './errors.ts';
import { isRemoteSource, listSet, setDir } from './layout.ts';
import { prune, type PruneRequest } from './prune.ts';
import { takeSnapshot } from './snapshot.ts';
import { EverySourceFailedError } from './copy-sources.ts';
import { ensureWritable } from './writable.ts';
import { suspectSnapshots } from './suspect.ts';
import { accessRule, enforceAccess } from './backup-access.ts';
import { mkdir, stat } from 'node:fs/promises';

/**
 * Local sources that are not directories here. A missing /Apps (its disk not mounted, a
 * typo) must fail the run before anything is pruned or a partial is started, not produce
 * an empty "snapshot" or a partial that the next run would resume.
 */
async function missingSources(cfg: RuntimeConfig): Promise<string[]> {
  const missing: string[] = [];
  for (const s of cfg.sources) {
    if (isRemoteSource(s.path)) continue;
    if (!(await stat(s.path).catch(() => undefined))?.isDirectory()) missing.push(s.path);
  }
  return missing;
}

export interface BackupOutcome {
  snapshot?: string;
  stats?: SnapshotStats;
  /** Each source's result, when the snapshot completed. */
  sources?: SourceResult[];
  bytesUsed?: number;
  spaceBefore?: SpaceInfo;
  spaceAfter?: SpaceInfo;
  pruned: PrunedSnapshot[];
  snapshotCount: number;
  /** Complete snapshots the emptied-source guard marked suspect and nobody accepted (oldest first). */
  suspect?: string[];
  errors: string[];
  warnings: string[];
}

function pruneRequest(cfg: RuntimeConfig, phase: 'before' | 'after', protect: string[]): PruneRequest {
  const r = cfg.retention;
  return {
    dir: setDir(cfg), spacePath: setDir(cfg), protect,
    policy: { keepMin: r.keep_min, thin: r.thin },
    thresholds: phase === 'before'
      ? { minFreeBytes: r.min_free_before, minFreeInodes: r.min_inodes_before }
      : { minFreeBytes: r.min_free_after, minFreeInodes: r.min_inodes_after },
  };
}

export interface BackupOptions {
  /** Also hold the backup root itself to the access rule (the host run; not a DEST named on a command line). */
  protectRoot?: boolean;
}

export async function backup(cfg: RuntimeConfig, log: Logger, signal?: AbortSignal, opts: BackupOptions = {}): Promise<BackupOutcome> {
  const dir = setDir(cfg);
  const o: BackupOutcome = { pruned: [], snapshotCount: 0, errors: [], warnings: [] };
  try {
    const missing = await missingSources(cfg);
    if (missing.length > 0) {
      throw new LinkdestError(`${missing.join(', ')}: not a directory on this host (not mounted? a typo?); nothing was pruned or written`, { step: 'sources' });
    }
    // Before pruning: a destination remounted read-only must fail here, in one line.
    await ensureWritable(cfg.destination.path);
    await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
    const access = await accessRule(cfg.backup_group);
    if (access.warning) { log.warn(access.warning); o.warnings.push(access.warning); }
    await enforceAccess(opts.protectRoot ? [cfg.destination.path, dir] : [dir], access.rule, log);
    const before = await prune(pruneRequest(cfg, 'before', []), log);
    o.pruned.push(...before.pruned);
    o.spaceBefore = before.space;
    if (before.warning) o.warnings.push(`before the snapshot: ${before.warning}`);
    const snap = await takeSnapshot(cfg, log, {
      signal,
      onDiskFull: async (protect) => {
        const r = await prune({ ...pruneRequest(cfg, 'before', protect), diskFull: true }, log);
        o.pruned.push(...r.pruned);
        return r.pruned.length > 0;
      },
    });
    o.snapshot = snap.path;
    const { bytesUsed, ...stats } = snap.stats;
    o.stats = stats;
    o.bytesUsed = bytesUsed;
    o.sources = snap.sources;
    o.warnings.push(...snap.warnings);
    const after = await prune(pruneRequest(cfg, 'after', [snap.name]), log);
    o.pruned.push(...after.pruned);
    o.spaceAfter = after.space;
    if (after.warning) o.warnings.push(`after the snapshot: ${after.warning}`);
  } catch (e) {
    if (e instanceof EverySourceFailedError) o.sources = e.results;
    o.errors.push(e instanceof LinkdestError ? e.oneLine() : `snapshot: ${(e as Error).message}`);
  }
  const complete = (await listSet(dir).catch(() => ({ complete: [] as string[] }))).complete;
  o.snapshotCount = complete.length;
  o.suspect = await suspectSnapshots(dir, complete).then((m) => [...m.keys()], () => undefined);
  return o;
}
