/**
 * argv for each rsync invocation the engine makes. Pure, so the table of cases in
 * test/unit/runtime shows exactly what runs.
 */
import { remoteShellArgs } from './remote-args.ts';
import { innerSourceFilters } from '../nested-sources.ts';
import { sumsArgs } from './transfer-sums.ts';

export interface RsyncFlags {
  acls: boolean;
  xattrs: boolean;
  oneFileSystem: boolean;
  excludes: string[];
  extraArgs: string[];
  rsh: string[];
  remote: boolean;
  /** Compare mtimes to the nanosecond (see mtime-precision.ts). */
  nanoseconds?: boolean;
  /** Remote sources: -s, so no shell on the source host sees the path (remote-args.ts). Default on. */
  secludedArgs?: boolean;
  /** Other sources inside this one, relative to it: their directories only (runtime/nested-sources.ts). */
  innerSources?: string[];
  /** rsync prints the xxh128 of each file it writes, for the manifest (transfer-sums.ts `sumsAllowed`). */
  sums?: boolean;
  /** New files written where they end, no temporary file (fast-path.ts `writeInPlace`). */
  inplace?: boolean;
}

export function baseArgs(f: RsyncFlags): string[] {
  return [
    '-aH', ...(f.acls ? ['-A'] : []), ...(f.xattrs ? ['-X'] : []), '--numeric-ids', '--stats',
    ...(f.sums ? sumsArgs(f.remote) : []),
    ...(f.inplace ? ['--inplace'] : []),
    ...(f.nanoseconds ? ['--modify-window=-1'] : []),
    ...(f.oneFileSystem ? ['-x'] : []),
    ...(f.remote ? remoteShellArgs(f.rsh, f.secludedArgs !== false) : []),
    ...innerSourceFilters(f.innerSources ?? []),
    ...f.excludes.map((e) => `--exclude=${e}`),
    ...f.extraArgs,
  ];
}

const linkDest = (prev: string | undefined): string[] => (prev ? [`--link-dest=${prev}`] : []);

/** A whole-tree mirror: what bare `rsync --link-dest` does, used when pre-linking cannot. */
export function fullMirrorArgs(f: RsyncFlags, src: string, dest: string, prev: string | undefined): string[] {
  return [...baseArgs(f), '--delete', '--delete-excluded', ...linkDest(prev), `${src}/`, `${dest}/`];
}

/**
 * After a remote source's pre-link pass (remote-prelink.ts): the whole-tree mirror, skipping
 * the files already in the new tree, which are exactly the ones linked as unchanged.
 */
export function afterRemotePrelinkArgs(f: RsyncFlags, src: string, dest: string, prev: string): string[] {
  const mirror = fullMirrorArgs(f, src, dest, prev);
  return [...mirror.slice(0, -2), '--ignore-existing', ...mirror.slice(-2)];
}

/**
 * Only the entries named in `listFile` (NUL-separated, relative): non-recursive for the
 * directories and changed entries of the pre-linked tree, recursive for new directories.
 */
export function listedArgs(f: RsyncFlags, src: string, dest: string, prev: string | undefined, listFile: string, recursive: boolean): string[] {
  return [...baseArgs(f), recursive ? '-r' : '--no-r', `--files-from=${listFile}`, '--from0', ...linkDest(prev), `${src}/`, `${dest}/`];
}

/**
 * One of a first copy's concurrent passes (split-plan.ts): the subtrees named in `listFile`,
 * recursively, no link source. --no-implied-dirs: a listed `a/x` leaves `a` (created before
 * the passes, copied alone after them) to no pass, so two passes never set its attributes.
 */
export function splitPassArgs(f: RsyncFlags, src: string, dest: string, listFile: string): string[] {
  const args = listedArgs(f, src, dest, undefined, listFile, true);
  return [...args.slice(0, -2), '--no-implied-dirs', ...args.slice(-2)];
}

/**
 * The source's top directory alone (mode, owner, times, ACLs, xattrs), after the listed
 * passes changed its contents: every child is excluded, and the exclude comes first so no
 * include in extra_args can let a child back in.
 */
export function rootDirArgs(f: RsyncFlags, src: string, dest: string): string[] {
  return [...baseArgs({ ...f, innerSources: [], excludes: ['/*', ...f.excludes] }), '--no-r', '-d', `${src}/`, `${dest}/`];
}

/**
 * A failed source's previous copy carried into the new snapshot by hard links (every file
 * of `prev` is its own link-dest match), its inner sources' contents left alone: excluded
 * files are not deleted without --delete-excluded.
 */
export function carryOverArgs(f: Pick<RsyncFlags, 'acls' | 'xattrs' | 'innerSources'>, prev: string, dest: string): string[] {
  return [
    '-aH', ...(f.acls ? ['-A'] : []), ...(f.xattrs ? ['-X'] : []), '--numeric-ids', '--delete',
    ...innerSourceFilters(f.innerSources ?? []), `--link-dest=${prev}`, `${prev}/`, `${dest}/`,
  ];
}
