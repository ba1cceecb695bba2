/**
 * `diff A B`: what changed between two snapshots of one set. Unchanged files share their
 * inode (hard links), so a file whose dev:ino differs changed; a symlink changed when its
 * target did; a path whose kind changed (file -> directory) counts as changed. Directories
 * themselves are listed only when added or removed (each snapshot makes new ones).
 */
import type { TreeEntry } from './tree.ts';

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

function changed(a: TreeEntry, b: TreeEntry): boolean {
  if (a.type !== b.type) return true;
  if (a.type === 'dir') return false;
  if (a.type === 'link') return a.target !== b.target || a.uid !== b.uid || a.gid !== b.gid;
  return a.dev !== b.dev || a.ino !== b.ino;
}

/** Pure: `older` and `newer` map relative paths to entries (tree.ts walkTree). Paths sorted. */
export function classifyDiff(older: ReadonlyMap<string, TreeEntry>, newer: ReadonlyMap<string, TreeEntry>): SnapshotDiff {
  const d: SnapshotDiff = { added: [], removed: [], changed: [] };
  const shown = (p: string, e: TreeEntry): string => (e.type === 'dir' ? `${p}/` : p);
  for (const [p, b] of newer) {
    const a = older.get(p);
    if (!a) d.added.push(shown(p, b));
    else if (changed(a, b)) d.changed.push(shown(p, b));
  }
  for (const [p, a] of older) if (!newer.has(p)) d.removed.push(shown(p, a));
  for (const list of [d.added, d.removed, d.changed]) list.sort();
  return d;
}

/** `+ path`, `- path`, `M path` lines, then one count line. */
export function formatDiff(d: SnapshotDiff, a: string, b: string): string {
  const lines = [
    ...d.added.map((p) => `+ ${p}`),
    ...d.removed.map((p) => `- ${p}`),
    ...d.changed.map((p) => `M ${p}`),
  ].sort((x, y) => x.slice(2).localeCompare(y.slice(2)));
  lines.push(`${a} -> ${b}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`);
  return `${lines.join('\n')}\n`;
}
