/**
 * The decisions of a restore, apart from any I/O: where the copy goes, the rsync argv, and
 * which files at the destination are newer than the snapshot's version (those are never
 * overwritten without --force; the restore refuses and lists them instead).
 */
import { basename, join } from 'node:path';
import type { EntryType } from './tree.ts';

export interface RestoreTargetInput {
  /** Normalised original path on the host (`/Apps/x`). */
  original: string;
  /** --to DIR: the item is restored into DIR under its own name. */
  to?: string;
}

/** Where the restored item lands: its original place, or DIR/<its name>. */
export function restoreTarget(t: RestoreTargetInput): string {
  if (t.to === undefined) return t.original;
  const name = basename(t.original.replace(/^[^/]*:/, '')) || 'root';
  return join(t.to, name);
}

export interface RsyncRestoreInput {
  /** The item inside the snapshot. */
  source: string;
  target: string;
  isDir: boolean;
  acls: boolean;
  xattrs: boolean;
  dryRun: boolean;
}

/**
 * rsync from the snapshot: -aH --numeric-ids (owners as numbers: the host's own), ACLs and
 * xattrs as the backup kept them, itemized output so the person sees every change.
 * A directory is copied as its contents into the target (trailing slashes on both);
 * nothing at the target is deleted.
 */
export function rsyncRestoreArgv(r: RsyncRestoreInput): string[] {
  const src = r.isDir ? `${r.source}/` : r.source;
  const dest = r.isDir ? `${r.target}/` : r.target;
  return [
    'rsync', '-aH', ...(r.acls ? ['-A'] : []), ...(r.xattrs ? ['-X'] : []), '--numeric-ids',
    '--itemize-changes', ...(r.dryRun ? ['--dry-run'] : []), '--', src, dest,
  ];
}

export interface ComparedEntry {
  /** Relative to the restored item ('' is the item itself). */
  rel: string;
  snapType: EntryType;
  snapMtimeMs: number;
  destType?: EntryType;
  destMtimeMs?: number;
}

/**
 * Files and links at the destination modified after the snapshot's copy of them (rsync
 * --update's rule). Directories are left out: their times change whenever a file in them does.
 */
export function newerAtDestination(entries: readonly ComparedEntry[]): string[] {
  return entries
    .filter((e) => e.destType !== undefined && e.destType !== 'dir' && e.snapType !== 'dir')
    .filter((e) => (e.destMtimeMs ?? 0) > e.snapMtimeMs)
    .map((e) => e.rel)
    .sort();
}

/** A kind mismatch at the top (a directory now where the snapshot has a file) rsync would nest into. */
export function topLevelConflict(snapType: EntryType, destType: EntryType | undefined): string | undefined {
  if (destType === undefined || destType === snapType) return undefined;
  return `is a ${destType === 'dir' ? 'directory' : destType === 'link' ? 'symlink' : destType} now but a ${snapType === 'dir' ? 'directory' : snapType === 'link' ? 'symlink' : snapType} in the snapshot`;
}

/** rsync's itemized lines that mean a change (not the ones that only confirm a directory). */
export function itemizedChanges(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^[<>ch.*][fdLDS][.+?a-zA-Z]{7,9} /.test(l) || l.startsWith('*deleting'))
    .filter((l) => !/^\.d\.{7,9} /.test(l) && !/^\.[fL]\.{7,9} /.test(l));
}
