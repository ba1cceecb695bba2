/**
 * The pre-link pass of a remote source: the source host's listing (remote-listing.ts) takes
 * the place of the local walk's lstat, and every regular file the previous snapshot holds
 * unchanged (fast-path.ts `unchanged`, the same test as for a local source) is hard-linked
 * into the new tree. Then one rsync, the whole-tree mirror with --ignore-existing, does the
 * rest: it skips exactly the files linked here (nothing else exists in the new tree but the
 * directories made here, whose attributes it still sets) and treats everything else as bare
 * rsync would, deletions of entries that vanished since the listing included.
 *
 * Only entries below directories that the previous snapshot holds as directories are looked
 * at (as the local walk does, and for the same reason: the previous snapshot already reflects
 * excludes and --one-file-system), so no lstat of the previous snapshot passes through a
 * symlink. A name that is not UTF-8 is left to rsync, with everything below it.
 */
import { join } from 'node:path';
import { linkSync, lstatSync, mkdirSync, type BigIntStats } from 'node:fs';
import { unchanged, type FileFacts } from './fast-path.ts';
import type { ListedEntry } from './remote-listing.ts';

export interface RemotePrelinkInput {
  entries: readonly ListedEntry[];
  prev: string;
  dest: string;
  /** The previous snapshot's start on the source host's clock (remote-listing.ts `remoteStartNs`). */
  startNs: bigint;
  compareOwner: boolean;
  /** Inner sources, relative to this one: made as directories, never descended. */
  skip?: readonly string[];
}

export interface RemotePrelinkResult {
  filesLinked: number;
  bytesLinked: number;
  /** Unchanged files PREV holds with the most links its filesystem allows, left to rsync. */
  linkLimit: number;
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function lstatOrNull(path: string): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
    throw e;
  }
}

const facts = (e: ListedEntry): FileFacts => ({
  isFile: () => e.type === 'f', nlink: e.nlink, mode: e.mode, size: e.size, mtimeNs: e.mtimeNs, uid: e.uid, gid: e.gid, ctimeNs: e.ctimeNs,
});

export function remotePrelink(input: RemotePrelinkInput): RemotePrelinkResult {
  const r: RemotePrelinkResult = { filesLinked: 0, bytesLinked: 0, linkLimit: 0 };
  const skip = new Set(input.skip ?? []);
  mkdirSync(input.dest, { recursive: true });
  /** Directories made in the new tree: present as directories in source and PREV. */
  const made = new Set<string>(['']);
  for (const e of input.entries) {
    if (e.rel.length === 0) continue;
    const rel = e.rel.toString();
    if (!Buffer.from(rel).equals(e.rel)) continue;
    const slash = rel.lastIndexOf('/');
    if (!made.has(slash < 0 ? '' : rel.slice(0, slash))) continue;
    if (e.type === 'd') {
      if (!lstatOrNull(join(input.prev, rel))?.isDirectory()) continue;
      mkdirSync(join(input.dest, rel));
      if (!skip.has(rel)) made.add(rel);
      continue;
    }
    if (e.type !== 'f' || e.nlink !== 1n) continue;
    const p = lstatOrNull(join(input.prev, rel));
    if (!p || !unchanged(facts(e), p, input.startNs, input.compareOwner)) continue;
    try {
      linkSync(join(input.prev, rel), join(input.dest, rel));
    } catch (err) {
      if (code(err) !== 'EMLINK') throw err;
      r.linkLimit++;
      continue;
    }
    r.filesLinked++;
    r.bytesLinked += Number(e.size);
  }
  return r;
}
