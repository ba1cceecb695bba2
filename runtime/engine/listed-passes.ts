/**
 * The rsync passes after a pre-link pass, from its lists (prelink.ts `PrelinkResult`, made by
 * the local walk or from a remote source's listing): rsync is given only what the pre-link
 * pass did not settle, by `--files-from`, and never touches a file it linked.
 */
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { ListedPath, PrelinkResult } from './prelink.ts';
import { listedArgs, rootDirArgs, type RsyncFlags } from './rsync-args.ts';

const NUL = Buffer.from([0]);

export interface ListedPassesRequest {
  flags: RsyncFlags;
  srcArg: string;
  dest: string;
  prev: string;
  /** A directory of this run's own for the list files. */
  listDir: string;
  /**
   * A remote source: "." goes into the listed pass with `--ignore-existing`, saving the top
   * directory's own pass (one more ssh connection). Listed, "." brings all the top
   * directory's children with it (dot-dir semantics), so those are not listed again;
   * --ignore-existing keeps rsync off those already in the new tree (linked, or copied by
   * the first pass), so none of them is altered in place.
   */
  rootInRest: boolean;
}

/** Writes `paths` NUL-separated (rsync --files-from with --from0) as `dir/name`; its path. */
export async function writeNamesList(dir: string, name: string, paths: readonly ListedPath[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, Buffer.concat(paths.flatMap((p) => [typeof p === 'string' ? Buffer.from(p) : p, NUL])));
  return file;
}

export async function listedPasses(pre: PrelinkResult, req: ListedPassesRequest): Promise<string[][]> {
  const list = (name: string, paths: ListedPath[]): Promise<string> => writeNamesList(req.listDir, name, paths);
  const passes: string[][] = [];
  // New subtrees first: creating them touches their parents, whose times pass 2 then sets.
  // Every multiply-linked file goes in the same pass, so -H sees each hard-link group whole.
  const first = [...pre.newDirs, ...pre.multiLinked];
  if (first.length > 0) passes.push(listedArgs(req.flags, req.srcArg, req.dest, req.prev, await list('new', first), true));
  if (req.rootInRest) {
    const below = (p: ListedPath): boolean => (typeof p === 'string' ? p.includes('/') : p.includes(0x2f));
    const args = listedArgs(req.flags, req.srcArg, req.dest, req.prev, await list('rest', ['.', ...pre.dirs.filter(below), ...pre.others.filter(below)]), false);
    passes.push([...args.slice(0, -2), '--ignore-existing', ...args.slice(-2)]);
    return passes;
  }
  // "." goes in a pass of its own: listed, rsync would also walk the root's children
  // again (dot-dir semantics), counting each of them twice in --stats.
  const rest = [...pre.dirs.filter((d) => d !== '.'), ...pre.others];
  if (rest.length > 0) passes.push(listedArgs(req.flags, req.srcArg, req.dest, req.prev, await list('rest', rest), false));
  passes.push(rootDirArgs(req.flags, req.srcArg, req.dest));
  return passes;
}
