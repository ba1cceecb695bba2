/**
 * The one place that says when the engine's fast path (pre-link in Node, then rsync on the
 * rest, see copy-source.ts) applies, and when a source is copied by the plain mirror
 * `rsync -aH --numeric-ids --delete --link-dest=PREV SRC/ NEW/` instead. docs/runtime.md
 * ("Engine") states the same rules for users; keep the two in step.
 *
 * - Per run and source: `fastPathDecision` (no previous copy with the same settings, a
 *   resumed partial, extra_args not known to be safe). A remote source pre-links from its
 *   host's listing (remote-pass.ts), and is mirrored when that listing cannot be had.
 * - Per rsync option in `rsync.extra_args`: `classifyExtraArgs`. An option is either
 *   safe with the fast path (it changes neither which files are copied, nor how they are
 *   compared, nor what is deleted), or forces the mirror (filters, deletion, comparison:
 *   the mirror IS bare rsync with those options, so the result is still bare rsync's), or is
 *   refused outright because not even bare rsync would make a snapshot of it (a dry run, a
 *   second link source, writing into files shared with older snapshots...). The refusal is
 *   a config error (runtime/config.ts), so `linkdest plan` and the runtime both say it.
 * - Per remote source, after its pre-link pass: `remoteRestPass`, what rsync is given.
 * - Per file: `unchanged`, the strict test for hard-linking PREV's copy without rsync.
 * - Per source without a previous copy: `firstCopySplit`, whether its full copy runs as
 *   concurrent rsync passes over disjoint subtrees (split-plan.ts says how they are cut).
 * - Per source in the set's first snapshot: `writeInPlace`, whether rsync writes each new
 *   file where it ends (--inplace) instead of a temporary file renamed into place.
 */
import type { BigIntStats } from 'node:fs';
import { hasExtraOption, readExtraArgs } from './extra-args.ts';

/** Options that change nothing in the snapshot: output, compression, transfer tuning (long names, extra-args.ts). */
const SAFE = new Set([
  '--verbose', '--quiet', '--human-readable', '--progress', '--stats', '--numeric-ids', '--8-bit-output',
  '--compress', '--whole-file', '--no-whole-file', '--secluded-args', '--sparse', '--preallocate',
  '--fsync', '--archive', '--hard-links', '--itemize-changes',
  '--info', '--debug', '--compress-level', '--compress-choice', '--bwlimit', '--timeout',
  '--contimeout', '--outbuf', '--checksum-choice', '--out-format', '--log-file', '--log-file-format', '--block-size',
]);

/** Options that make a snapshot no snapshot, even as a bare mirror. */
const REFUSED: [RegExp, string][] = [
  [/^(--dry-run|--list-only)$/, 'a dry run would commit an empty snapshot as complete'],
  [/^--existing$/, 'into a new snapshot directory it copies nothing'],
  [/^--remove-source-files$/, 'it deletes the source'],
  [/^--(link|compare|copy)-dest$/, 'the engine chooses the link source (the previous snapshot)'],
  [/^(--files-from|--relative|--no-implied-dirs)$/, 'it changes what the snapshot holds and where'],
  [/^(--inplace|--append|--append-verify)$/, 'it writes into existing files, which may be shared with older snapshots'],
  [/^(--backup|--backup-dir|--suffix)$/, 'it writes backup copies into the snapshot'],
  [/^(--write-batch|--only-write-batch|--read-batch)$/, 'batch mode is not a snapshot'],
];

export interface ExtraArgsVerdict {
  /** Why these options are not allowed at all (a config error), if they are not. */
  refused?: string;
  /** Why the fast path is off for them (the mirror runs instead), if it is. */
  mirrorReason?: string;
}

/** Sorts `rsync.extra_args` into safe with the fast path, mirror only, or refused. */
export function classifyExtraArgs(args: readonly string[]): ExtraArgsVerdict {
  let mirror: string | undefined;
  for (const o of readExtraArgs(args)) {
    const refusal = REFUSED.find(([re]) => re.test(o.name));
    if (refusal) return { refused: `rsync.extra_args: ${o.bundle ? `${o.bundle} holds ${o.written}, which` : o.written} is not allowed: ${refusal[1]}` };
    if (o.name === '') mirror ??= `rsync.extra_args has the argument ${JSON.stringify(o.written)}, which the pre-link pass does not know to be safe`;
    else if (!SAFE.has(o.name)) mirror ??= `rsync.extra_args has ${o.written}, which the pre-link pass does not know to be safe`;
  }
  return mirror ? { mirrorReason: mirror } : {};
}

export interface FastPathInput {
  remote: boolean;
  /** The destination already held files (a resumed partial, a retry): only --delete makes it exact. */
  destDirty: boolean;
  /** The previous snapshot holds this source as a directory. */
  prevIsDir: boolean;
  /** The previous copy was made with the same settings (engine key), so its start time is known. */
  prevStartedMs: number | undefined;
  extraArgs: readonly string[];
}

export type FastPathDecision = { prelink: true } | { prelink: false; reason: string };

export function fastPathDecision(i: FastPathInput): FastPathDecision {
  if (!i.prevIsDir) return { prelink: false, reason: 'no previous copy of this source' };
  if (i.prevStartedMs === undefined) return { prelink: false, reason: 'the previous copy was made with other settings (excludes, one_file_system, extra_args, ACLs/xattrs)' };
  if (i.destDirty) return { prelink: false, reason: 'the destination already holds files (a resumed partial or a retry)' };
  const x = classifyExtraArgs(i.extraArgs);
  if (x.refused) return { prelink: false, reason: x.refused };
  if (x.mirrorReason) return { prelink: false, reason: x.mirrorReason };
  return { prelink: true };
}

export interface RemoteRestInput {
  /** The listing ran to its end: find exited 0 (nothing unreadable or vanished) and every record parsed. */
  listingComplete: boolean;
  /** rsync's options travel over its protocol (-s); off for a source with its own remote shell (the pull key). */
  secludedArgs: boolean;
}

export type RemoteRest = { listed: true } | { listed: false; reason: string };

/**
 * What rsync is given after a remote source's pre-link pass. Listed (only what the pass left,
 * by `--files-from`, the same passes as a local source's) when the listing was complete and the
 * source host's sender may be handed a names list; otherwise the whole tree with
 * `--ignore-existing`, which skips exactly the files linked and finds what the listing missed.
 * A source with its own remote shell (linkdest's pull key) gets the whole tree: its forced
 * command refuses `--files-from`, since names sent to the sender over rsync's protocol are
 * checked by no one, and one naming a path through a symlink in the tree would be read outside
 * the allowed paths (docs/pull.md).
 */
export function remoteRestPass(i: RemoteRestInput): RemoteRest {
  if (!i.secludedArgs) return { listed: false, reason: 'the source has its own remote shell (the pull key refuses a names list)' };
  if (!i.listingComplete) return { listed: false, reason: 'the listing is incomplete' };
  return { listed: true };
}

/** What `unchanged` reads of a file: an lstat here, or a line of a source host's listing (remote-listing.ts). */
export type FileFacts = Pick<BigIntStats, 'isFile' | 'nlink' | 'mode' | 'size' | 'mtimeNs' | 'uid' | 'gid' | 'ctimeNs'>;

/**
 * "Unchanged" is strict: same type+mode, size, mtime to the nanosecond, owner (when root),
 * a single link (hard-link groups are rsync's, with -H, in one pass), AND a source ctime
 * older than the previous snapshot's start. ctime moves on chmod, chown, xattr/ACL changes
 * and link-count changes, none of which need touch mtime.
 */
export function unchanged(s: FileFacts, p: FileFacts, prevStartNs: bigint, compareOwner: boolean): boolean {
  return s.isFile() && p.isFile() && s.nlink === 1n
    && s.mode === p.mode && s.size === p.size && s.mtimeNs === p.mtimeNs
    && (!compareOwner || (s.uid === p.uid && s.gid === p.gid))
    && s.ctimeNs < prevStartNs;
}

export interface FirstCopyInput {
  remote: boolean;
  destDirty: boolean;
  prevIsDir: boolean;
  extraArgs: readonly string[];
  /** Excludes and inner sources (filters) of this source. */
  filters: number;
  cores: number;
}

export type FirstCopySplit = { split: true; passes: number; mayExpand: boolean } | { split: false; reason: string };

/** Concurrent passes: one more than the cores, so a pass waiting on the disk leaves no core idle. */
const MAX_SPLIT_PASSES = 4;

/**
 * A first copy (no previous copy of the source) into a clean destination runs as concurrent
 * rsync passes over disjoint subtrees when there is more than one core: measured here, rsync's
 * copy is kernel time in its three processes, one core's worth. Not for a remote source (one
 * ssh connection each), a destination that already holds files (only --delete makes it
 * exact), or extra_args not known to be safe (a filter there could exclude a subtree by a
 * rule a split pass does not see whole). Subtrees are split below the top level only without
 * excludes and inner sources (split-plan.ts).
 */
export function firstCopySplit(i: FirstCopyInput): FirstCopySplit {
  if (i.prevIsDir) return { split: false, reason: 'a previous copy exists' };
  if (i.remote) return { split: false, reason: 'a remote source' };
  if (i.destDirty) return { split: false, reason: 'the destination already holds files' };
  if (i.cores < 2) return { split: false, reason: 'one core' };
  const x = classifyExtraArgs(i.extraArgs);
  if (x.refused || x.mirrorReason) return { split: false, reason: x.refused ?? x.mirrorReason! };
  return { split: true, passes: Math.min(MAX_SPLIT_PASSES, i.cores + 1), mayExpand: i.filters === 0 };
}

const SPARSE = new Set(['--sparse']);

export interface InPlaceInput {
  /** The set has a complete snapshot before this one (a link source for some source of the run). */
  anyPrevious: boolean;
  destDirty: boolean;
  extraArgs: readonly string[];
}

/**
 * rsync writes each file straight into its final name (--inplace) in the first snapshot of
 * a set, into a clean directory: there a file in the new tree can only be one this run's
 * rsync created, never an inode an older snapshot shares, and --inplace writes into
 * exactly those inodes. It saves the temporary file and the rename of every file (measured:
 * a first copy of 50,000 files 10 % faster). A file cut short by a kill keeps a wrong mtime,
 * so the run that resumes the partial (then dirty, and without --inplace) copies it again.
 * Not with a previous snapshot (pre-linked and --link-dest files are shared with it), a
 * resumed partial or a retry, extra_args not known to be safe (--partial-dir, --delay-updates
 * and -T conflict with --inplace, and are not in the safe list), or --sparse/-S (rsync
 * before 3.1.3 refuses it with --inplace).
 */
export function writeInPlace(i: InPlaceInput): boolean {
  if (i.anyPrevious || i.destDirty) return false;
  const x = classifyExtraArgs(i.extraArgs);
  if (x.refused || x.mirrorReason) return false;
  return !hasExtraOption(i.extraArgs, SPARSE);
}
