/**
 * One snapshot: pick the name, reuse a partial left by a killed run (renamed to the new
 * stamp; it never counts as a snapshot), copy every source against the newest COMPLETE
 * snapshot (copy-sources.ts), write the metadata last, rename `.partial` away (the commit), move `latest`.
 */
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import type { RuntimeConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { SnapshotStats, SourceResult } from './run-result.ts';
import { isRemoteSource, listSet, METADATA_FILE, PARTIAL_SUFFIX, parseStamp, readMetadata, setDir, setName, sourceSubdir, stampOf, switchLatest } from './layout.ts';
import type { SnapshotMetadata } from './snapshot-metadata.ts';
import type { RsyncFlags } from './engine/rsync-args.ts';
import { deleteSnapshot, finishInterruptedDeletes, removeTree } from './prune.ts';
import { spaceOf } from './space.ts';
import { mtimePrecision } from './engine/mtime-precision.ts';
import { localRsyncHasXxh128, TransferSums } from './engine/transfer-sums.ts';
import { localSecludedArgs } from './engine/remote-args.ts';
import { testPoint } from './test-points.ts';
import { innerSources } from './nested-sources.ts';
import { copySources, type CopyProgress } from './copy-sources.ts';
import { fsyncDir, syncFilesystem } from './flush.ts';
import { censusSamplePct, checkSnapshot } from './snapshot-checks.ts';
import { CensusTally, type Census } from './snapshot-census.ts';
import { newestGood } from './suspect.ts';
import { writeManifest } from './manifest/write.ts';
import { MergeAhead } from './manifest/ahead.ts';
import { AheadGate } from './manifest/ahead-gate.ts';
import { Coverage, type SourceCoverage } from './manifest/coverage.ts';
import type { CopyOutcome } from './engine/copy-source.ts';
import { LinkdestError } from './errors.ts';

export interface SnapshotOptions {
  signal?: AbortSignal;
  /** Called on a full disk; true when it freed something and the copy may be retried. */
  onDiskFull?: (protect: string[]) => Promise<boolean>;
  now?: Date;
}

export interface SnapshotOutcome {
  name: string;
  path: string;
  resumed: boolean;
  linkSource?: string;
  stats: SnapshotStats & { bytesUsed: number };
  warnings: string[];
  /** Each source's result (a failed source holds its previous copy: copy-sources.ts). */
  sources: SourceResult[];
}

/** Settings that shape a source's copy; the pre-link pass trusts only a previous copy with the same. */
export function engineKey(cfg: RuntimeConfig, i: number, f: Pick<RsyncFlags, 'acls' | 'xattrs'>): string {
  const s = cfg.sources[i]!;
  const inner = innerSources(cfg.sources.map((x) => x.path), i);
  return JSON.stringify([s.path, s.one_file_system, cfg.exclude, s.exclude, cfg.rsync.extra_args, f.acls, f.xattrs, ...(inner.length > 0 ? [inner] : [])]);
}

/** In a resumed partial, delete whatever lies outside the configured sources' paths. */
async function removeStrays(root: string, subs: string[]): Promise<void> {
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (subs.includes(r) || subs.includes('')) continue;
      if (subs.some((s) => s.startsWith(`${r}/`))) await walk(r);
      else await removeTree(join(root, r));
    }
  };
  await walk('');
}

/**
 * The stamp for a new snapshot: now, but always after the newest complete one, because
 * names are the order (link source, `latest`, which one retention deletes first). A clock
 * set back (NTP at boot, the autumn DST hour: stamps are local time) or runs faster than
 * one a second would otherwise slot the new snapshot in before existing ones.
 */
function freeName(taken: Set<string>, now: Date, newest: string | undefined): string {
  const floor = newest ? parseStamp(newest) : undefined;
  const t = new Date(floor && floor.getTime() >= now.getTime() ? floor.getTime() + 1000 : now.getTime());
  while (taken.has(stampOf(t))) t.setSeconds(t.getSeconds() + 1);
  return stampOf(t);
}

export async function takeSnapshot(cfg: RuntimeConfig, log: Logger, opts: SnapshotOptions = {}): Promise<SnapshotOutcome> {
  const dir = setDir(cfg);
  const startedMs = Date.now();
  await mkdir(dir).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
  await finishInterruptedDeletes(dir, log);
  const listing = await listSet(dir);
  const newest = listing.complete[listing.complete.length - 1];
  // Linked against (and checked against) the newest snapshot the emptied-source guard did not flag.
  const good = await newestGood(dir, listing.complete);
  const prevName = good ?? newest;
  const prevMeta = prevName ? await readMetadata(join(dir, prevName)) : undefined;
  const name = freeName(new Set([...listing.complete, ...listing.partials.map((p) => p.slice(0, -PARTIAL_SUFFIX.length))]), opts.now ?? new Date(startedMs), newest);
  const partial = join(dir, `${name}${PARTIAL_SUFFIX}`);
  const resumeFrom = listing.partials[listing.partials.length - 1];
  for (const old of listing.partials.slice(0, -1)) {
    log.info(`removing older partial ${old}`);
    await deleteSnapshot(dir, old);
  }
  if (resumeFrom) {
    log.info(`resuming the partial snapshot ${resumeFrom} left by an interrupted run, as ${name}`);
    await rename(join(dir, resumeFrom), partial);
    await removeStrays(partial, cfg.sources.map((s) => sourceSubdir(s.path)));
  } else {
    await mkdir(partial);
  }
  testPoint('partial-created');
  log.info(`snapshot ${name}${prevName ? `, unchanged files linked to ${prevName}` : ' (first, full copy)'}`);

  const root = process.getuid?.() === 0;
  const precision = await mtimePrecision(partial);
  if (!precision.nanoseconds) {
    log.info(`${precision.reason}: rsync compares whole seconds, so a file rewritten with the same size within the second of its previous copy is linked to that copy`);
  }
  // rsync's own hash of each file it writes, for the manifest (engine/transfer-sums.ts).
  const sums = await localRsyncHasXxh128() ? new TransferSums() : undefined;
  const secluded = cfg.sources.some((s) => isRemoteSource(s.path)) ? await localSecludedArgs() : { ok: true };
  if (!secluded.ok) log.warn(`${secluded.reason}: paths of remote sources go through the source host's shell unprotected (no -s)`);
  const before = await spaceOf(dir);
  const subOf = (dest: string): string => relative(partial, dest);
  const tallyFor = (copies: { source: string }[]): CensusTally => new CensusTally(cfg.sources.map((s) => ({
    sub: sourceSubdir(s.path), samplePct: copies.some((c) => c.source === s.path) ? censusSamplePct(cfg) : 0,
  })));
  // Pre-linked copies: the manifest merges what their passes linked while rsync copies the
  // rest, once every source is copied or running (manifest/ahead-gate.ts, ahead.ts).
  // Typed by `as`: set in a callback, which TypeScript's narrowing does not see.
  let ahead = undefined as MergeAhead<CensusTally> | undefined;
  // A copy's coverage (manifest/coverage.ts) when its pre-link pass linked from prevName; else none.
  const linkedCoverage = (dest: string, c: CopyOutcome['coverage']): SourceCoverage | undefined =>
    (c?.prev === join(dir, prevName!, subOf(dest)) ? { sub: subOf(dest), listings: c.listings } : undefined);
  const gate = prevName
    ? new AheadGate(cfg.sources.length, (coverage, inFlight) => {
      ahead = new MergeAhead(partial, join(dir, prevName), coverage, inFlight, tallyFor(cfg.sources.map((s) => ({ source: s.path }))), log, opts.signal, sums);
    })
    : undefined;
  const progress: CopyProgress | undefined = gate && {
    listed: (i, dest, listings) => gate.listed(i, { sub: subOf(dest), listings }),
    copied: (i, dest, c) => gate.copied(i, linkedCoverage(dest, c)),
    failed: () => gate.failed(),
  };
  const copied = await copySources({
    cfg, dir, partial, name, prevName, prevMeta, resumed: Boolean(resumeFrom),
    nanoseconds: precision.nanoseconds, secludedArgs: secluded.ok, signal: opts.signal, onDiskFull: opts.onDiskFull,
    engineKey: (i, f) => engineKey(cfg, i, f), progress, sums,
  }, log).catch(async (e: Error) => {
    await ahead?.stop(undefined);
    throw e;
  });
  const { warnings, keys, results, copies } = copied;
  // The copied data starts for the disk now, while the manifest reads it back from the page
  // cache (CPU) and the checks run: the commit's own syncfs below is then left with little
  // (a first snapshot's data was 1.4 s of syncfs, idle, after the manifest instead of under it).
  const flushing = syncFilesystem(partial).catch(() => undefined);
  const stats = { ...copied.stats, bytesUsed: 0 };
  // What the manifest cannot cover (a copy this run cannot read: not root, a file pulled with
  // mode 000) is a warning of the run, not only a log line: verify will never check it.
  const manifestLog: Logger = { info: (m) => log.info(m), warn: (m) => { log.warn(m); warnings.push(m); }, error: (m) => log.error(m), text: () => log.text() };
  // One walk of the new snapshot for the manifest and the census of the checks: every
  // source's subtree is an owner, so a nested source's files never count for the outer one.
  // What the pre-link passes linked from prevName (manifest/coverage.ts): those files are not statted.
  const linked = prevName ? copies.flatMap((c) => linkedCoverage(c.dest, c.coverage) ?? []) : [];
  // The merge ahead is kept when every copy it took listings from used those very listings.
  const writer = await ahead?.stop(gate?.spoiled ? undefined : linked);
  const tally = writer ? ahead!.observer : tallyFor(copies);
  const coverage = prevName ? new Coverage(linked) : undefined;
  const manifest = await (writer ? writer.finish(manifestLog, opts.signal) : writeManifest(partial, prevName ? join(dir, prevName) : undefined, manifestLog, opts.signal, tally, coverage, sums)).catch((e: Error) => {
    throw new LinkdestError(`cannot write the checksum manifest: ${e.message}; the partial ${name}${PARTIAL_SUFFIX} is kept and the next run resumes it`, { step: 'manifest', cause: e });
  });
  const after = await spaceOf(dir);
  // Space the copy took, measured on the filesystem: the honest figure with hard links.
  stats.bytesUsed = Math.max(0, before.freeBytes - after.freeBytes);
  if (!root) log.info('not running as root: owners are not preserved (rsync -o needs root)');
  const censuses = new Map<string, Census>();
  for (const c of copies) {
    const census = tally.census(subOf(c.dest));
    if (census) censuses.set(c.dest, census);
    // The pre-linked copies' entries, counted by this walk instead of one of the engine's own.
    if (c.files === undefined) stats.files += census?.entries ?? 0;
  }
  const checks = await checkSnapshot({ cfg, name, copies, baseline: good ? { name: good, meta: prevMeta } : undefined, runStartMs: startedMs, bytesUsed: stats.bytesUsed, censuses, signal: opts.signal }, log);
  warnings.push(...checks.warnings);
  const meta: SnapshotMetadata = {
    version: 1, name, host: hostname(), status: warnings.length > 0 ? 'warning' : 'ok',
    startedAt: new Date(startedMs).toISOString(), finishedAt: new Date().toISOString(), startedMs,
    resumed: Boolean(resumeFrom), sources: cfg.sources.map((s) => s.path), engineKeys: keys, sourceResults: results,
    stats: { ...stats, durationMs: Date.now() - startedMs }, spaceBefore: before, spaceAfter: after, warnings, manifest,
    perSource: checks.perSource, ...(checks.suspect.length > 0 ? { suspect: checks.suspect } : {}),
  };
  await writeFile(join(partial, METADATA_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  // What the rename promises (a complete snapshot) must be on disk before it: without this,
  // a power cut can leave empty files (ext4's delayed allocation) in a "complete" snapshot.
  await flushing;
  await syncFilesystem(partial);
  testPoint('before-commit');
  await rename(partial, join(dir, name));
  await fsyncDir(dir);
  testPoint('after-rename');
  await switchLatest(dir, name);
  await fsyncDir(dir);
  return { name, path: join(dir, name), resumed: Boolean(resumeFrom), linkSource: prevName, stats, warnings, sources: results };
}

export { removeTree, setName };
