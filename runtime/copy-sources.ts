/**
 * Every source copied into the snapshot partial: machines in parallel, each machine's
 * sources one after the other (pull-schedule.ts), each copy retried without ACLs/xattrs
 * when the destination cannot store them and after pruning when the disk is full.
 *
 * A source that fails does not stop the others. What the snapshot then holds for it
 * (docs/runtime.md, "A source that fails"): its copy from the previous snapshot, carried
 * over by hard links and marked stale in the metadata (`sourceResults`, `kept`), with no
 * engine key, so the next run compares it with rsync's own checks instead of trusting the
 * pre-link pass. Never an empty or half-copied subtree that the next run would link
 * against as if the files were deleted. Fatal for the whole snapshot (thrown): a disk full
 * that pruning cannot cure, an interruption, and every source failed.
 */
import { dirname, join, relative } from 'node:path';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { RuntimeConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { SnapshotStats, SourceResult } from './run-result.ts';
import type { SnapshotMetadata } from './snapshot-metadata.ts';
import { LinkdestError } from './errors.ts';
import { isRemoteSource, PARTIAL_SUFFIX, sourceSubdir } from './layout.ts';
import { AclXattrUnsupportedError, copySource, DiskFullError, type CopyOutcome } from './engine/copy-source.ts';
import { carryOverArgs, type RsyncFlags } from './engine/rsync-args.ts';
import { runRsync } from './engine/run-rsync.ts';
import { sumsAllowed, type TransferSums } from './engine/transfer-sums.ts';
import type { DirListing } from './engine/dir-listing.ts';
import { innerSources } from './nested-sources.ts';
import { sourcesToStart } from './pull-schedule.ts';
import { sourceFailureReason } from './source-result.ts';

export interface CopySourcesRequest {
  cfg: RuntimeConfig;
  /** The set's directory, the partial's path and its final name (for messages). */
  dir: string;
  partial: string;
  name: string;
  /** The newest complete snapshot and its metadata: link source and carry-over source. */
  prevName?: string;
  prevMeta?: SnapshotMetadata;
  resumed: boolean;
  nanoseconds: boolean;
  secludedArgs: boolean;
  signal?: AbortSignal;
  onDiskFull?: (protect: string[]) => Promise<boolean>;
  /** Each source's progress, for the manifest's merge beside rsync (manifest/ahead-gate.ts). */
  progress?: CopyProgress;
  /** Engine key of source i for the flags it was copied with (snapshot.ts). */
  engineKey: (i: number, f: Pick<RsyncFlags, 'acls' | 'xattrs'>) => string;
  /** The hashes rsync prints of what it writes, for the manifest; only when this host's rsync has xxh128 (engine/transfer-sums.ts). */
  sums?: TransferSums;
}

/** Told of each source `i` (its index in the config) and its copy directory `dest`. */
export interface CopyProgress {
  /** Its pre-link pass is done and rsync starts on what it left (copy-source.ts `onListed`); only on the first attempt. */
  listed(i: number, dest: string, listings: DirListing[]): void;
  /** Copied; `coverage` when a pre-link pass made the copy. */
  copied(i: number, dest: string, coverage: CopyOutcome['coverage']): void;
  /** An attempt failed: the source is retried or, failed, carried over. */
  failed(i: number): void;
}

export type CopyStats = Omit<SnapshotStats, 'bytesUsed'>;

export interface CopySourcesOutcome {
  results: SourceResult[];
  stats: CopyStats;
  warnings: string[];
  /** Engine keys of the sources copied (failed ones have none). */
  keys: Record<string, string>;
  /** The sources copied tonight, with the flags they were copied with (failed ones are not here). */
  copies: CopiedSource[];
}

export interface CopiedSource {
  source: string;
  dest: string;
  flags: RsyncFlags;
  /** The engine's byte total for this source (rsync --stats plus what the pre-link pass linked). */
  bytesTotal: number;
  /** Entries of the copy when the engine counted them (a mirror); else the census counts them (snapshot.ts). */
  files?: number;
  /** The pre-link pass's coverage of this copy (copy-source.ts), when it made it. */
  coverage?: CopyOutcome['coverage'];
}

class FatalCopyError extends Error {}

/** Every source failed: no snapshot; the results still go to the report. */
export class EverySourceFailedError extends LinkdestError {
  constructor(message: string, readonly results: SourceResult[]) {
    super(message, { step: 'snapshot' });
  }
}

/** Runs `f` calls one at a time: two sources full at once must not prune twice in parallel. */
function serialized<A extends unknown[], R>(f: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve();
  return (...a) => {
    const r = tail.then(() => f(...a));
    tail = r.catch(() => undefined);
    return r;
  };
}

export async function copySources(req: CopySourcesRequest, log: Logger): Promise<CopySourcesOutcome> {
  const { cfg, dir, partial, name, prevName } = req;
  const paths = cfg.sources.map((s) => s.path);
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (req.signal?.aborted) stop.abort();
  // Shared by every copy: once the destination refused ACLs/xattrs, later copies go without.
  const flags = { acls: cfg.rsync.acls, xattrs: cfg.rsync.xattrs };
  const onDiskFull = req.onDiskFull && serialized(req.onDiskFull);
  const out: CopySourcesOutcome = {
    results: [], warnings: [], keys: {}, copies: [],
    stats: { files: 0, filesTransferred: 0, bytesTransferred: 0, filesLinked: 0, bytesLinked: 0, bytesTotal: 0 },
  };
  const results: (SourceResult | undefined)[] = paths.map(() => undefined);
  let fatal: Error | undefined;
  const keep = (start: boolean): string => `${start ? 'The' : 'the'} partial ${name}${PARTIAL_SUFFIX} is kept and the next run resumes it`;

  const copyOne = async (i: number): Promise<void> => {
    const source = cfg.sources[i]!;
    const sub = sourceSubdir(source.path);
    const dest = sub ? join(partial, sub) : partial;
    // Logged before the first await: sources started together are logged in the order they
    // were started, not in the order the thread pool finished their mkdirs.
    log.info(`${source.path}: copying`);
    await mkdir(dirname(dest), { recursive: true });
    let destDirty = req.resumed;
    const remote = isRemoteSource(source.path);
    const sums = req.sums && sumsAllowed(cfg.rsync.extra_args) ? req.sums : undefined;
    for (let attempt = 0; ; attempt++) {
      // Only the last attempt's hashes stand.
      sums?.forget(i);
      const used = { ...flags };
      const rsyncFlags: RsyncFlags = {
        ...used, oneFileSystem: source.one_file_system, excludes: [...cfg.exclude, ...source.exclude],
        extraArgs: cfg.rsync.extra_args, rsh: source.rsh ?? cfg.rsync.rsh, remote,
        nanoseconds: req.nanoseconds, sums: sums !== undefined,
        // A source pulled with linkdest's restricted key goes without -s: the forced command on
        // the source host must see the paths to check them (docs/pull.md).
        secludedArgs: req.secludedArgs && source.rsh === undefined, innerSources: innerSources(paths, i),
      };
      const key = req.engineKey(i, used);
      const samePrev = req.prevMeta?.engineKeys?.[source.path] === key;
      try {
        const r = await copySource({
          source: source.path, flags: rsyncFlags, dest, destDirty, signal: stop.signal,
          prev: prevName ? (sub ? join(dir, prevName, sub) : join(dir, prevName)) : undefined,
          prevStartedMs: samePrev ? req.prevMeta?.startedMs : undefined,
          onListed: attempt === 0 && req.progress ? (l) => req.progress!.listed(i, dest, l) : undefined,
          sums: sums && (() => sums.sink(i, relative(partial, dest), remote)),
        }, log);
        for (const k of ['files', 'filesTransferred', 'bytesTransferred', 'filesLinked', 'bytesLinked', 'bytesTotal'] as const) out.stats[k] += r[k];
        out.warnings.push(...r.warnings);
        out.keys[source.path] = key;
        out.copies.push({ source: source.path, dest, flags: rsyncFlags, bytesTotal: r.bytesTotal, ...(r.filesCounted ? { files: r.files } : {}), ...(r.coverage ? { coverage: r.coverage } : {}) });
        log.info(`${source.path}: copied`);
        req.progress?.copied(i, dest, r.coverage);
        results[i] = r.warnings.length > 0
          ? { source: source.path, status: 'warning', reason: sourceFailureReason(source.path, r.warnings[0]!) }
          : { source: source.path, status: 'ok' };
        return;
      } catch (e) {
        destDirty = true;
        sums?.forget(i);
        req.progress?.failed(i);
        if (e instanceof AclXattrUnsupportedError && attempt < 2) {
          const w = `${e.message}: copying without them (rsync.acls/xattrs dropped for this run)`;
          if (flags.acls || flags.xattrs) { out.warnings.push(w); log.warn(w); }
          flags.acls = false;
          flags.xattrs = false;
          continue;
        }
        if (e instanceof DiskFullError && attempt < 20 && onDiskFull && !stop.signal.aborted && await onDiskFull(prevName ? [prevName] : [])) {
          log.warn(`${e.message}: pruned one snapshot, retrying`);
          continue;
        }
        if (e instanceof DiskFullError || stop.signal.aborted) {
          // The destination or the run, not the source: the snapshot cannot complete.
          fatal ??= new FatalCopyError(e instanceof DiskFullError ? `${e.message}; nothing more may be pruned. ${keep(true)}` : `${(e as Error).message}; ${keep(false)}`);
          stop.abort();
          return;
        }
        const reason = sourceFailureReason(source.path, (e as Error).message);
        log.error(`${source.path}: ${reason}`);
        results[i] = { source: source.path, status: 'failed', reason };
        return;
      }
    }
  };

  const running = new Map<number, Promise<void>>();
  const done: number[] = [];
  for (;;) {
    if (!stop.signal.aborted) {
      for (const i of sourcesToStart(paths, cfg.pull.parallel, { running: [...running.keys()], done })) {
        running.set(i, copyOne(i).catch((e: Error) => {
          // An I/O error of our own (mkdir in the partial): the snapshot cannot be trusted.
          fatal ??= e;
          stop.abort();
        }).then(() => { running.delete(i); done.push(i); }));
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  req.signal?.removeEventListener('abort', onOuterAbort);
  if (fatal) throw new LinkdestError(fatal instanceof FatalCopyError ? fatal.message : `${fatal.message}; ${keep(false)}`, { step: 'snapshot', cause: fatal });
  out.results = results.map((r, i) => r ?? { source: paths[i]!, status: 'failed', reason: 'not copied' });
  const failed = out.results.filter((r) => r.status === 'failed');
  if (failed.length === out.results.length) {
    throw new EverySourceFailedError(`${failed.map((r) => `${r.source}: ${r.reason}`).join('; ')}; ${keep(false)}`, out.results);
  }
  for (const r of failed) await carryOver(req, r, log);
  for (const r of failed) {
    const w = `${r.source}: ${r.reason}; ${r.kept ? `its copy from ${r.kept} is kept in this snapshot (stale)` : 'no earlier copy exists: its directory in this snapshot is empty'}`;
    out.warnings.push(w);
  }
  return out;
}

/**
 * The failed source's subtree becomes its previous copy, by hard links (or empty when there
 * is none), replacing whatever the failed copy left; `kept` names the snapshot that copy
 * was made in (older than the previous one when that one held a carried copy too).
 */
async function carryOver(req: CopySourcesRequest, r: SourceResult, log: Logger): Promise<void> {
  const paths = req.cfg.sources.map((s) => s.path);
  const i = paths.indexOf(r.source);
  const sub = sourceSubdir(r.source);
  const dest = sub ? join(req.partial, sub) : req.partial;
  const prev = req.prevName ? (sub ? join(req.dir, req.prevName, sub) : join(req.dir, req.prevName)) : undefined;
  const prevHas = prev !== undefined && (await stat(prev).catch(() => undefined))?.isDirectory() === true;
  const before = req.prevMeta?.sourceResults?.find((x) => x.source === r.source);
  const kept = !prevHas ? undefined : before === undefined || before.status !== 'failed' ? req.prevName : before.kept;
  const empty = prevHas ? undefined : await mkdtemp(join(tmpdir(), 'linkdest-empty-'));
  req.sums?.forget(i);
  try {
    await mkdir(dest, { recursive: true });
    const args = carryOverArgs({ acls: req.cfg.rsync.acls, xattrs: req.cfg.rsync.xattrs, innerSources: innerSources(paths, i) }, prev && prevHas ? prev : empty!, dest);
    let run = await runRsync(args, log, req.signal);
    // The destination may refuse ACLs/xattrs as it did for the copy.
    if (run.code !== 0 && (req.cfg.rsync.acls || req.cfg.rsync.xattrs)) {
      run = await runRsync(carryOverArgs({ acls: false, xattrs: false, innerSources: innerSources(paths, i) }, prev && prevHas ? prev : empty!, dest), log, req.signal);
    }
    if (run.code !== 0) {
      throw new LinkdestError(`${r.source}: failed, and its previous copy could not be kept either (rsync exit ${run.code}); the partial ${req.name}${PARTIAL_SUFFIX} is kept and the next run resumes it`, { step: 'snapshot' });
    }
  } finally {
    if (empty) await rm(empty, { recursive: true, force: true });
  }
  if (kept) r.kept = kept;
  log.warn(`${r.source}: ${kept ? `kept its copy from ${kept} (hard links)` : 'no earlier copy to keep'}`);
}
