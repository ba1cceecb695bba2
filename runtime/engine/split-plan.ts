/**
 * How a first copy is shared out among concurrent rsync passes (copy-source.ts), from the
 * survey of the source (split-survey.ts). Pure, so the table of cases in test/unit/runtime
 * shows every decision. The rules, which keep the result bare rsync's:
 *
 * - A unit is a whole subtree (or a single entry) that one pass copies recursively; units are
 *   the top-level entries, and the children of a heavy directory that is split further.
 * - Top-level entries that share an inode (a hard-link group, by dev:ino) are one unit: -H
 *   then sees every group whole in one pass. A directory holding a multiply-linked file is
 *   never split further. An opaque entry (a name that is not UTF-8 in it, not walked there:
 *   its links unknown) is one unit with every entry that holds a multiply-linked file.
 * - A directory is split further only when `mayExpand` (no excludes, no inner sources: a
 *   filter could exclude the directory itself, and its children listed apart would escape
 *   that) and only to EXPAND_DEPTH. The split directory is created before the passes and
 *   copied alone (--no-r) after them, which sets its attributes and times once its contents
 *   are in place; so are directories on another filesystem (-x: the directory, not its contents).
 * - Units go to the pass with the least weight so far, heaviest first.
 */
import type { Survey, SurveyNode } from './split-survey.ts';

export interface SplitPlan {
  /** Per pass, the units it copies recursively (relative paths; bytes for a name not UTF-8). Two or more passes. */
  passes: (string | Buffer)[][];
  /** Directories split further: created first, copied alone (--no-r) after the passes, parents first. */
  split: string[];
  /** Directories copied alone after the passes (split ones, then other filesystems'). */
  alone: string[];
}

interface Unit { paths: (string | Buffer)[]; weight: number; node?: SurveyNode }

/** Split a unit further while it outweighs this share of a pass. */
const SPLIT_SHARE = 0.5;
const MAX_SPLITS = 256;

/** Groups of top-level nodes that share an inode (union-find over their dev:ino keys). */
function linkGroups(top: SurveyNode[]): Unit[] {
  const parent = top.map((_, i) => i);
  const find = (i: number): number => { while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!; return i; };
  const owner = new Map<string, number>();
  // Links unknown: every entry that may share an inode with it joins it.
  const anyOpaque = top.some((n) => n.opaque);
  top.forEach((n, i) => {
    if (anyOpaque && (n.opaque || n.linked.length > 0)) {
      const j = owner.get('opaque');
      if (j === undefined) owner.set('opaque', i);
      else parent[find(i)] = find(j);
    }
    for (const k of n.linked) {
      const j = owner.get(k);
      if (j === undefined) owner.set(k, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, Unit>();
  top.forEach((n, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) { g.paths.push(n.path); g.weight += n.weight; g.node = undefined; } else groups.set(r, { paths: [n.path], weight: n.weight, node: n });
  });
  return [...groups.values()];
}

/** The plan for `passes` concurrent passes; undefined when fewer than two passes would have work. */
export function planSplit(survey: Survey, passes: number, mayExpand: boolean): SplitPlan | undefined {
  const units = linkGroups(survey.top);
  const total = units.reduce((a, u) => a + u.weight, 0);
  const split: string[] = [];
  /** Directories on another filesystem, at the top or below a split directory. */
  const otherFs: string[] = [...survey.flat];
  if (mayExpand) {
    for (let n = 0; n < MAX_SPLITS; n++) {
      units.sort((a, b) => b.weight - a.weight);
      const u = units[0];
      const node = u?.node;
      if (!node || !node.dir || !node.children || node.linked.length > 0 || node.opaque || typeof node.path !== 'string' || u.weight <= (total / passes) * SPLIT_SHARE) break;
      units.shift();
      split.push(node.path);
      for (const c of node.children) {
        if (c.otherFs) otherFs.push(c.path as string);
        else units.push({ paths: [c.path], weight: c.weight, node: c });
      }
    }
  }
  units.sort((a, b) => b.weight - a.weight);
  const bins = Array.from({ length: passes }, () => ({ paths: [] as (string | Buffer)[], weight: 0 }));
  for (const u of units) {
    const bin = bins.reduce((a, b) => (b.weight < a.weight ? b : a));
    bin.paths.push(...u.paths);
    bin.weight += u.weight;
  }
  const used = bins.filter((b) => b.paths.length > 0);
  if (used.length < 2) return undefined;
  return { passes: used.map((b) => b.paths), split, alone: [...split, ...otherFs] };
}
