/**
 * Copy one source into the new snapshot, as exactly as bare
 * `rsync -aH --numeric-ids --delete --link-dest=PREV SRC/ NEW/` would, but faster:
 * pre-link unchanged files in Node, then let rsync handle only what is left. When that
 * fast path applies, and when the bare whole-tree mirror runs instead, is fast-path.ts's;
 * so is when a first copy runs as concurrent passes instead of one mirror (split-passes.ts).
 */
import { join } from 'node:path';
import { lstat, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { cores } from '../cores.ts';
import type { Logger } from '../logger.ts';
import type { SnapshotStats } from '../run-result.ts';
import { prelink, type PrelinkResult } from './prelink.ts';
import { fastPathDecision, firstCopySplit, writeInPlace } from './fast-path.ts';
import { fullMirrorArgs, type RsyncFlags } from './rsync-args.ts';
import { listedPasses } from './listed-passes.ts';
import { remoteSourceArg } from './remote-args.ts';
import { runRsync, type RsyncRun } from './run-rsync.ts';
import { parseRsyncStats, isDiskFull, isAclXattrUnsupported, judgeRsyncExit, listedGoneAsVanished } from './rsync-output.ts';
import { beforeRsync, testPoint } from '../test-points.ts';
import { detachShared } from './detach-shared.ts';
import type { DirListing } from './dir-listing.ts';
import { remotePrelinkPass } from './remote-pass.ts';
import { topListingHolds } from './remote-top-listing.ts';
import { splitFirstPasses } from './split-passes.ts';
import type { RunSums } from './transfer-sums.ts';

export interface CopyRequest {
  /** `/Apps` or `host:/path` as configured. */
  source: string;
  flags: RsyncFlags;
  dest: string;
  /** Same source inside the newest complete snapshot, if there is one. */
  prev?: string;
  /** The previous snapshot's start, when pre-linking is allowed for this source. */
  prevStartedMs?: number;
  /** dest already held files (resumed partial): only a --delete mirror makes it exact. */
  destDirty: boolean;
  signal?: AbortSignal;
  /** A local pre-link pass is done and rsync starts on what it left: its listings (the manifest may merge ahead, manifest/ahead.ts). */
  onListed?: (listings: DirListing[]) => void;
  /** With `flags.sums`: where each rsync run's hash lines go (transfer-sums.ts). */
  sums?: () => RunSums;
}

/** One source's share of the snapshot's statistics (space used is measured for the whole snapshot). */
export interface CopyOutcome extends Omit<SnapshotStats, 'bytesUsed'> {
  /** split: a first copy in concurrent passes (split-passes.ts). */
  mode: 'prelink' | 'mirror' | 'split';
  /**
   * False after the pre-link passes or a split first copy: `files` is then 0, because
   * rsync's figure for them counts every implied parent directory of a listed path again
   * (and "." twice). The one walk of the new snapshot (snapshot-census.ts, with the
   * manifest) counts its entries.
   */
  filesCounted: boolean;
  warnings: string[];
  /**
   * What the pre-link pass put into the directories it walked, for the manifest
   * (manifest/coverage.ts); relative to `dest`, linked from `prev`. Absent when no pre-link
   * pass made this copy (mirror, whole-tree remote pass): the manifest then stats every file.
   */
  coverage?: { prev: string; listings: DirListing[] };
}

export class DiskFullError extends Error {}
export class AclXattrUnsupportedError extends Error {}

async function isDir(path: string | undefined): Promise<boolean> {
  return path ? (await lstat(path).catch(() => null))?.isDirectory() ?? false : false;
}

export async function copySource(req: CopyRequest, log: Logger): Promise<CopyOutcome> {
  const remote = req.flags.remote;
  const trimmed = req.source.replace(/\/+$/, '') || '/';
  const srcArg = remote ? remoteSourceArg(trimmed, req.flags.secludedArgs !== false) : trimmed;
  const out: CopyOutcome = { mode: 'mirror', filesCounted: true, files: 0, filesTransferred: 0, bytesTransferred: 0, filesLinked: 0, bytesLinked: 0, bytesTotal: 0, warnings: [] };
  // A missing or unmounted source must fail the run, not become an empty snapshot
  // (rsync reports it as exit 23, "some files not transferred").
  if (!remote && !(await stat(srcArg).catch(() => null))?.isDirectory()) throw new Error(`${req.source}: the source directory does not exist or is not a directory`);
  // The previous snapshot's copy of this source, looked at once: every rule below asks it.
  const prevIsDir = await isDir(req.prev);
  const decision = fastPathDecision({
    remote, destDirty: req.destDirty, prevIsDir, prevStartedMs: req.prevStartedMs, extraArgs: req.flags.extraArgs,
  });
  let pre: PrelinkResult | undefined;
  // A remote source: the pre-link pass works from the source host's listing, then rsync gets
  // the same lists as after a local walk, or the whole tree skipping what was linked
  // (remote-pass.ts, fast-path.ts `remoteRestPass`); without a listing, the plain mirror.
  const remotePass = decision.prelink && remote
    ? await remotePrelinkPass({ ...req, prev: req.prev!, prevStartedMs: req.prevStartedMs!, srcArg }, log).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOSPC' || e.code === 'EDQUOT') throw new DiskFullError(`${req.source}: no space left on the destination`);
      throw e;
    })
    : undefined;
  if (remotePass) {
    out.mode = 'prelink';
  } else if (decision.prelink && !remote) {
    pre = await prelink({
      src: srcArg, prev: req.prev!, dest: req.dest, prevStartedMs: req.prevStartedMs!,
      oneFileSystem: req.flags.oneFileSystem, compareOwner: process.getuid?.() === 0, skip: req.flags.innerSources, signal: req.signal,
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOSPC' || e.code === 'EDQUOT') throw new DiskFullError(`${req.source}: no space left on the destination`);
      throw e;
    });
    // A stopped walk is incomplete: no rsync pass may run on its lists.
    if (req.signal?.aborted) throw new Error(`${req.source}: interrupted`);
    testPoint('after-prelink');
    for (const w of pre.warnings) log.warn(w);
    out.warnings.push(...pre.warnings);
    if (pre.linkLimit > 0) log.info(`${req.source}: ${pre.linkLimit} unchanged files have as many hard links in the previous snapshot as its filesystem allows; rsync copies them`);
  } else if (req.prev && !decision.prelink) {
    log.info(`${req.source}: mirroring the whole tree (no pre-link pass): ${decision.reason}`);
  }
  if (req.destDirty) {
    const n = detachShared(req.dest);
    if (n > 0) log.info(`${req.source}: unlinked ${n} files the partial shared with older snapshots, so rsync cannot alter those`);
  }
  // Stages run one after the other, the runs of a stage concurrently (a split first copy's passes).
  const stages: string[][][] = [];
  let listDir: string | undefined;
  if (remotePass && 'listed' in remotePass) pre = remotePass.listed;
  // Only a first copy's runs (split passes, mirror) take it: the rule holds only without a link source.
  const fresh = writeInPlace({ anyPrevious: req.prev !== undefined, destDirty: req.destDirty, extraArgs: req.flags.extraArgs })
    ? { ...req.flags, inplace: true } : req.flags;
  const split = firstCopySplit({
    remote, destDirty: req.destDirty, prevIsDir, extraArgs: req.flags.extraArgs,
    filters: req.flags.excludes.length + (req.flags.innerSources?.length ?? 0), cores: cores(),
  });
  if (pre) {
    out.mode = 'prelink';
    out.filesCounted = false;
    out.filesLinked = pre.filesLinked;
    out.bytesLinked = pre.bytesLinked;
    out.bytesTotal = pre.bytesLinked;
    listDir = await mkdtemp(join(tmpdir(), 'linkdest-list-'));
    for (const args of await listedPasses(pre, { flags: req.flags, srcArg, dest: req.dest, prev: req.prev!, listDir, rootInRest: remote })) stages.push([args]);
    if (!remote) log.info(`${req.source}: pre-linked ${pre.filesLinked} unchanged files${pre.threads > 1 ? ` (walk on ${pre.threads} threads)` : ''}; rsync checks ${pre.others.length + pre.multiLinked.length} entries, ${pre.dirs.length} directories, ${pre.newDirs.length} new directories`);
  } else if (remotePass && 'wholeTree' in remotePass) {
    stages.push([remotePass.wholeTree]);
  } else if (split.split) {
    listDir = await mkdtemp(join(tmpdir(), 'linkdest-list-'));
    const planned = await splitFirstPasses({ flags: fresh, srcArg, dest: req.dest, listDir, passes: split.passes, mayExpand: split.mayExpand, signal: req.signal }).catch(async (e: Error) => {
      await rm(listDir!, { recursive: true, force: true });
      if (req.signal?.aborted) throw new Error(`${req.source}: interrupted`);
      throw e;
    });
    if (planned) {
      // As after the pre-link passes: rsync's figure would count the split directories twice.
      out.mode = 'split';
      out.filesCounted = false;
      stages.push(...planned.stages);
      log.info(`${req.source}: first copy in ${planned.passes} concurrent rsync passes (${planned.units} subtrees)`);
    } else {
      stages.push([fullMirrorArgs(fresh, srcArg, req.dest, undefined)]);
    }
  } else {
    stages.push([fullMirrorArgs(fresh, srcArg, req.dest, prevIsDir ? req.prev : undefined)]);
  }
  // The listings the manifest may merge ahead with while rsync runs: a remote source's with
  // its top directory's, which then must be found as listed (remote-top-listing.ts).
  const top = remotePass && 'listed' in remotePass ? remotePass.top : undefined;
  const listings = pre && top ? [...pre.listings, top] : pre?.listings;
  if (listings && (!remote || top)) {
    req.onListed?.(listings);
    await beforeRsync();
  }
  try {
    for (const stage of stages) {
      for (const run of await runStage(stage, req, log)) {
        // A split pass's subtree gone since the survey: bare rsync's "vanished" (rsync-output.ts).
        const r = out.mode === 'split' ? { ...run, ...listedGoneAsVanished(run.code, run.stderr) } : run;
        run.sums?.done(r.code, r.stderr);
        const verdict = judgeRsyncExit(r.code, r.stderr, req.source);
        if (verdict.kind === 'warning') out.warnings.push(verdict.message);
        const s = parseRsyncStats(r.stdout);
        out.files += s.files;
        out.filesTransferred += s.filesTransferred;
        out.bytesTransferred += s.bytesTransferred;
        out.bytesTotal += s.totalSize;
        // rsync does not count --link-dest hits; every regular file it did not transfer is one.
        if (!req.prev) continue;
        out.filesLinked += Math.max(0, s.regularFiles - s.filesTransferred);
        out.bytesLinked += Math.max(0, s.totalSize - s.bytesTransferred);
      }
    }
    if (!out.filesCounted) out.files = 0;
    if (pre) {
      // The merge ahead is kept only when the coverage is the very listings it started from.
      out.coverage = { prev: req.prev!, listings: top && !topListingHolds(req.dest, req.prev!, top) ? pre.listings : listings! };
    }
    if (remotePass && 'listed' in remotePass) {
      // Counted by the pre-link pass already, and again by rsync (remote-prelink.ts `topCountedTwice`).
      out.filesLinked -= Math.min(remotePass.topCountedTwice.files, out.filesLinked - pre!.filesLinked);
      out.bytesLinked -= Math.min(remotePass.topCountedTwice.bytes, out.bytesLinked - pre!.bytesLinked);
      out.bytesTotal -= Math.min(remotePass.topCountedTwice.bytes, out.bytesTotal - pre!.bytesLinked);
    }
  } finally {
    if (listDir) await rm(listDir, { recursive: true, force: true });
  }
  return out;
}

/** Why one rsync run fails the copy (thrown), or undefined when its exit is ok or a warning. */
function failure(r: RsyncRun, req: CopyRequest): Error | undefined {
  if (isDiskFull(r.code, r.stderr)) return new DiskFullError(`${req.source}: no space left on the destination (rsync exit ${r.code})`);
  if (r.code !== 0 && isAclXattrUnsupported(r.stderr) && (req.flags.acls || req.flags.xattrs)) {
    return new AclXattrUnsupportedError(`${req.source}: the destination cannot store ACLs or extended attributes`);
  }
  const verdict = judgeRsyncExit(r.code, r.stderr, req.source);
  return verdict.kind === 'failed' ? new Error(verdict.message) : undefined;
}

/**
 * The runs of one stage, concurrently. The first to fail stops the others, and all have
 * exited before this returns or throws: a retry (after pruning, without ACLs) never meets a
 * pass still writing.
 */
async function runStage(stage: string[][], req: CopyRequest, log: Logger): Promise<(RsyncRun & { sums?: RunSums })[]> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  let first: Error | undefined;
  try {
    const runs = await Promise.all(stage.map(async (args) => {
      const sums = req.flags.sums ? req.sums?.() : undefined;
      const r = await runRsync(args, log, stop.signal, sums);
      const e = req.signal?.aborted ? new Error(`${req.source}: interrupted`) : failure(r, req);
      if (e && !first) { first = e; stop.abort(); }
      return { ...r, sums };
    }));
    if (first) throw first;
    return runs;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
}
