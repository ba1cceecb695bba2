/**
 * What the run checks about a snapshot after the copy and before the commit, so that the
 * verdict is in the committed metadata: the census of each source's copy (snapshot-census.ts,
 * tallied by the manifest's walk),
 * the emptied-source guard (shrink-rule.ts: the snapshot becomes suspect), the link-ratio
 * alarm (link-ratio.ts) and the spot check against the source (spot-check.ts). Each finding
 * is a warning of the run; the per-source figures are kept for the next run to compare with.
 */
import type { RuntimeConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { SnapshotMetadata, SourceFigures } from './snapshot-metadata.ts';
import type { CopiedSource } from './copy-sources.ts';
import { censusOf, type Census } from './snapshot-census.ts';
import { shrinkFinding, type SourceSize } from './shrink-rule.ts';
import { linkVerdict } from './link-ratio.ts';
import { spotCheck } from './spot-check.ts';
import { formatBytes } from './size.ts';
import { testPoint } from './test-points.ts';

export interface ChecksRequest {
  cfg: RuntimeConfig;
  name: string;
  /** The sources copied tonight (runtime/copy-sources.ts). */
  copies: CopiedSource[];
  /** The newest good snapshot (the link source) and its metadata: what this one is compared with. */
  baseline?: { name: string; meta?: SnapshotMetadata };
  runStartMs: number;
  /** Space the whole snapshot took on the destination. */
  bytesUsed: number;
  /** Each copy's census, by its `dest`, when the manifest's walk tallied it (snapshot.ts); else the checks walk the copy. */
  censuses?: ReadonlyMap<string, Census>;
  signal?: AbortSignal;
}

export interface ChecksOutcome {
  warnings: string[];
  /** Why the snapshot is suspect; empty when it is not. */
  suspect: string[];
  perSource: Record<string, SourceFigures>;
}

/**
 * A source's figures in an older snapshot. Snapshots written before per-source figures
 * existed have totals only: those stand for the source when it was the only one, else the
 * source has no baseline and its checks start with the next snapshot.
 */
export function baselineOf(meta: SnapshotMetadata | undefined, source: string): (SourceSize & { regular?: number; linkShare?: number }) | undefined {
  const own = meta?.perSource?.[source];
  if (own) return own;
  if (meta?.sources?.length === 1 && meta.sources[0] === source && meta.stats) {
    return { files: meta.stats.files, bytes: meta.stats.bytesTotal, regular: meta.stats.filesLinked + meta.stats.filesTransferred };
  }
  return undefined;
}

/** The share of a copy's regular files the spot check samples (local sources by reading them, pulled ones through rsync --checksum). */
export function censusSamplePct(cfg: RuntimeConfig): number {
  return cfg.spot.enabled ? cfg.spot.sample_pct : 0;
}

export async function checkSnapshot(req: ChecksRequest, log: Logger): Promise<ChecksOutcome> {
  const out: ChecksOutcome = { warnings: [], suspect: [], perSource: {} };
  const warn = (m: string): void => { log.warn(m); out.warnings.push(m); };
  testPoint('before-checks');
  for (const c of req.copies) {
    // A check that cannot run must not cost the night's backup: it is a warning, the snapshot is committed.
    try {
      await checkSource(req, c, out, warn, log);
    } catch (e) {
      warn(`${c.source}: the checks of the new snapshot could not run: ${(e as Error).message}`);
    }
  }
  return out;
}

async function checkSource(req: ChecksRequest, c: CopiedSource, out: ChecksOutcome, warn: (m: string) => void, log: Logger): Promise<void> {
  const { spot, shrink } = req.cfg;
  const census = req.censuses?.get(c.dest) ?? censusOf(c.dest, c.flags.innerSources ?? [], censusSamplePct(req.cfg));
  const prev = req.baseline ? baselineOf(req.baseline.meta, c.source) : undefined;
  if (req.baseline && !prev) log.info(`${c.source}: ${req.baseline.name} has no figures for this source (written by an older linkdest, or the source is new): the shrink guard and link-ratio alarm start with the next snapshot`);

  const size: SourceSize = { files: census.entries, bytes: c.bytesTotal };
  const shrunk = req.baseline && shrinkFinding(c.source, prev, size, shrink.max_pct, req.baseline.name);
  if (shrunk) {
    out.suspect.push(shrunk);
    warn(`suspect snapshot ${req.name}: ${shrunk}. It is kept, never counts for keep_min, and nothing is pruned while it is the newest; when the source is back the next run is normal. If the data was removed on purpose: linkdest accept HOST ${req.name} (on this host: linkdest-runtime accept ${req.name})`);
  }

  const v = linkVerdict({ prevRegular: prev?.regular, prevShare: prev?.linkShare, regular: census.regular, fresh: census.fresh });
  if (v.alarm) {
    warn(`${c.source}: only ${v.old - v.recopied} of ${v.old} files already in ${req.baseline!.name} were hard-linked; ${v.recopied} were copied again (${formatBytes(census.freshBytes)} of fresh copies; the snapshot took ${formatBytes(req.bytesUsed)} on the destination). Likely causes: times reset on the source (a restore or copy without preserving mtimes, touch), owners or permissions changed (chown -R, chmod -R), or files rewritten in place by an application. Unchanged from now on, the next run links them again`);
  }
  out.perSource[c.source] = {
    files: census.entries, bytes: c.bytesTotal, regular: census.regular, fresh: census.fresh,
    ...(prev?.regular !== undefined ? { linkShare: Number(v.share.toFixed(4)) } : {}),
  };

  if (!spot.enabled) return;
  const s = await spotCheck({ source: c.source, dest: c.dest, flags: c.flags, census, runStartMs: req.runStartMs, tolerancePct: spot.count_tolerance_pct, signal: req.signal }, log);
  log.info(`${c.source}: spot check compared ${s.compared} sampled files with the source${s.skipped > 0 ? `, skipped ${s.skipped} changed during the run` : ''}`);
  for (const f of s.findings) warn(f);
}
