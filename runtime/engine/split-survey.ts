/**
 * The survey before a first copy in parallel passes (split-plan.ts): one walk of the source
 * that weighs each top-level entry (bytes plus a cost per entry) and names the hard-link
 * groups it holds part of, so that the plan can keep every group inside one rsync pass.
 *
 * nlink is only in an lstat, so every non-directory is statted: on the bench's tree (50,000
 * files) the walk is a small part of the copy, and it leaves the source's inodes in the cache
 * for rsync. The first levels (to EXPAND_DEPTH) keep their children, so a heavy directory can
 * be split further; below that only sums are kept, and at most KEPT_NODES nodes in all, so a
 * million files cost no more memory than the bench's tree. A source with too many multiply
 * linked files for that bound is not surveyed (undefined): the single mirror then copies it.
 * Names that are not UTF-8 (rare) are not followed: a top-level entry holding one, or named
 * so (its path then kept as bytes), is `opaque`, its hard links unknown (split-plan.ts keeps
 * it with every entry that may share an inode).
 */
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface SurveyNode {
  /** Relative to the source, '/'-separated; bytes for a top-level name that is not UTF-8. */
  path: string | Buffer;
  dir: boolean;
  /** Bytes of the regular files and symlinks below, plus ENTRY_WEIGHT per entry (itself included). */
  weight: number;
  /** Children, for a directory at a depth below EXPAND_DEPTH that could be read in full. */
  children?: SurveyNode[];
  /** dev:ino of every multiply-linked non-directory in this subtree (top-level nodes only). */
  linked: string[];
  /** A directory on another filesystem (--one-file-system): copied alone, never listed recursively. */
  otherFs?: boolean;
  /** A top-level entry whose subtree holds a name that is not UTF-8 (not walked there): its links are unknown. */
  opaque?: boolean;
}

export interface Survey {
  /** The source's top-level entries, except directories on another filesystem (`flat`). */
  top: SurveyNode[];
  /** With --one-file-system, directories on another filesystem: copied alone (--no-r), never descended. */
  flat: string[];
}

/** rsync's cost of an entry, in bytes of data: lstat, list entry, mkdir/open/close on both sides. */
export const ENTRY_WEIGHT = 8192;
/** Depth to which nodes keep their children (1 = the top level's children). */
export const EXPAND_DEPTH = 3;
const KEPT_NODES = 20_000;
/** More multiply-linked files than this and the survey gives up (bounded memory). */
const MAX_LINKED = 100_000;
/** Directories walked between two turns of the event loop (signals). */
const PER_TURN = 64;

class GiveUp extends Error {}

export interface SurveyInput {
  src: string;
  /** The source root's device, for --one-file-system; undefined when that is off. */
  rootDev: number | undefined;
  signal?: AbortSignal;
}

export async function surveySource(input: SurveyInput): Promise<Survey | undefined> {
  let kept = 0;
  let linkedCount = 0;
  let sinceTurn = 0;
  /** The top-level entry being walked met a name that is not UTF-8. */
  let opaque = false;
  /** A directory's entries with UTF-8 names; undefined when gone or unreadable (rsync decides about it). */
  const read = (rel: string): Dirent[] | undefined => {
    try {
      const entries = readdirSync(rel === '' ? input.src : `${input.src}/${rel}`, { withFileTypes: true });
      if (!entries.some((d) => d.name.includes('\uFFFD'))) return entries;
      opaque = true;
      return entries.filter((d) => !d.name.includes('\uFFFD'));
    } catch {
      return undefined;
    }
  };
  const lstat = (rel: string): Stats | undefined => {
    try { return lstatSync(`${input.src}/${rel}`); } catch { return undefined; }
  };
  const otherDevice = (rel: string): boolean => input.rootDev !== undefined && lstat(rel)?.dev !== input.rootDev;

  /** A non-directory's weight; its key goes to `linked` when it has other links. */
  const leaf = (rel: string, linked: string[]): number => {
    const s = lstat(rel);
    if (!s) return 0;
    if (s.nlink > 1) {
      if (++linkedCount > MAX_LINKED) throw new GiveUp();
      const b = lstatSync(`${input.src}/${rel}`, { bigint: true });
      linked.push(`${b.dev}:${b.ino}`);
    }
    return ENTRY_WEIGHT + (s.isFile() || s.isSymbolicLink() ? s.size : 0);
  };

  /** A directory's node: children kept to EXPAND_DEPTH, sums below. */
  const walk = async (rel: string, depth: number, linked: string[]): Promise<SurveyNode> => {
    const node: SurveyNode = { path: rel, dir: true, weight: ENTRY_WEIGHT, linked: [] };
    const entries = read(rel);
    if (!entries) return node;
    if (++sinceTurn >= PER_TURN) {
      sinceTurn = 0;
      await nextTurn();
      input.signal?.throwIfAborted();
    }
    const keep = depth < EXPAND_DEPTH && kept + entries.length <= KEPT_NODES;
    if (keep) { node.children = []; kept += entries.length; }
    for (const d of entries) {
      const path = `${rel}/${d.name}`;
      let child: SurveyNode;
      if (!d.isDirectory()) child = { path, dir: false, weight: leaf(path, linked), linked: [] };
      // Another filesystem: rsync -x copies the directory, not its contents.
      else if (otherDevice(path)) child = { path, dir: true, weight: ENTRY_WEIGHT, linked: [], otherFs: true };
      else child = await walk(path, depth + 1, linked);
      node.weight += child.weight;
      node.children?.push(child);
    }
    return node;
  };

  const out: Survey = { top: [], flat: [] };
  try {
    const entries = read('');
    if (!entries) return undefined;
    if (opaque) {
      const names = readdirSync(input.src, { encoding: 'buffer' }).filter((n) => n.toString().includes('\uFFFD'));
      for (const n of names) out.top.push({ path: n, dir: false, weight: ENTRY_WEIGHT, linked: [], opaque: true });
    }
    for (const d of entries) {
      const linked: string[] = [];
      opaque = false;
      if (!d.isDirectory()) {
        out.top.push({ path: d.name, dir: false, weight: leaf(d.name, linked), linked });
      } else if (otherDevice(d.name)) {
        out.flat.push(d.name);
      } else {
        const node = await walk(d.name, 1, linked);
        node.linked = linked;
        if (opaque) node.opaque = true;
        out.top.push(node);
      }
    }
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
  return out;
}
