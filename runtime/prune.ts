/**
 * Pruning I/O around the pure decidePrune: delete, re-measure, ask again. A snapshot is
 * first renamed out of the snapshot namespace (`.deleting-NAME`), so a run killed mid-delete
 * never leaves a half-deleted directory that looks like a snapshot; the next run finishes
 * such leftovers. Deletion is `rm -rf` itself (bench/README.md: a Node walk is not faster).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { rename } from 'node:fs/promises';
import type { Logger } from './logger.ts';
import type { PrunedSnapshot, SpaceInfo } from './run-result.ts';
import { DELETING_PREFIX, listSet } from './layout.ts';
import { readPins, removePin } from './pins.ts';
import { suspectSnapshots } from './suspect.ts';
import { decidePrune, type RetentionPolicy, type Thresholds } from './retention.ts';
import { spaceOf } from './space.ts';
import { formatBytes } from './size.ts';
import { testPoint } from './test-points.ts';

export function removeTree(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('rm', ['-rf', '--one-file-system', '--', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`rm -rf ${path}: ${err.trim() || `exit ${code}`}`))));
  });
}

/** Rename out of the namespace, then delete; returns milliseconds spent. */
export async function deleteSnapshot(dir: string, name: string): Promise<number> {
  const t0 = Date.now();
  const doomed = join(dir, `${DELETING_PREFIX}${name}`);
  await rename(join(dir, name), doomed);
  testPoint('prune-renamed');
  await removeTree(doomed);
  return Date.now() - t0;
}

/** Finish deletions a killed run left behind. */
export async function finishInterruptedDeletes(dir: string, log: Logger): Promise<void> {
  for (const name of (await listSet(dir)).deleting) {
    log.info(`finishing the interrupted deletion of ${name}`);
    await removeTree(join(dir, name));
  }
}

export interface PruneRequest {
  dir: string;
  policy: RetentionPolicy;
  thresholds: Thresholds;
  protect: string[];
  /** Where free space is measured (the set directory's filesystem). */
  spacePath: string;
  dryRun?: boolean;
  /** Delete exactly one more if the policy allows (ENOSPC during the copy). */
  diskFull?: boolean;
}

export interface PruneOutcome {
  pruned: PrunedSnapshot[];
  /** Set when the thresholds could not be met. */
  warning?: string;
  space: SpaceInfo;
}

/**
 * The pinned snapshots of the set. A pin whose snapshot is gone (deleted by hand, or by a
 * runtime older than pins) is dropped, so a later snapshot of the same name is not pinned.
 */
async function livePins(dir: string, complete: string[], dryRun: boolean, log: Logger): Promise<string[]> {
  const pins = [...(await readPins(dir)).keys()];
  for (const name of pins.filter((n) => !complete.includes(n))) {
    if (dryRun) continue;
    await removePin(dir, name);
    log.info(`removed the pin of ${name}: that snapshot no longer exists`);
  }
  return pins.filter((n) => complete.includes(n));
}

export async function prune(req: PruneRequest, log: Logger): Promise<PruneOutcome> {
  const pruned: PrunedSnapshot[] = [];
  let complete = (await listSet(req.dir)).complete;
  const pinned = await livePins(req.dir, complete, req.dryRun === true, log);
  const suspect = [...(await suspectSnapshots(req.dir, complete)).keys()];
  let space = await spaceOf(req.spacePath);
  for (;;) {
    const d = decidePrune({
      complete, protect: req.protect, pinned, suspect, policy: req.policy, thresholds: req.thresholds,
      freeBytes: space.freeBytes, freeInodes: space.freeInodes, diskFull: req.diskFull && pruned.length === 0,
    });
    if (d.action === 'done' || (req.diskFull && pruned.length > 0)) return { pruned, space };
    if (d.action === 'unmet') {
      const msg = `${d.message} (free ${formatBytes(space.freeBytes)}, ${space.freeInodes} inodes; want ${formatBytes(req.thresholds.minFreeBytes)}, ${req.thresholds.minFreeInodes} inodes)`;
      return { pruned, space, warning: msg };
    }
    if (req.dryRun) {
      log.info(`would delete ${d.name} (${d.reason})`);
      pruned.push({ name: d.name, reason: d.reason, ms: 0 });
      complete = complete.filter((n) => n !== d.name);
      if (d.reason !== 'thinning') return { pruned, space, warning: 'dry run: space is not re-measured after the first space-driven deletion' };
      continue;
    }
    log.info(`deleting snapshot ${d.name} (${d.reason})`);
    const ms = await deleteSnapshot(req.dir, d.name);
    pruned.push({ name: d.name, reason: d.reason, ms });
    log.info(`deleted ${d.name} in ${(ms / 1000).toFixed(1)} s`);
    complete = complete.filter((n) => n !== d.name);
    space = await spaceOf(req.spacePath);
  }
}
