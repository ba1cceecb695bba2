/**
 * `history PATH`: the distinct versions of one file or directory across the snapshots.
 * A file's version is its dev:ino (a hard link shared by snapshots is one version); a
 * directory's is a digest of what is inside it (names, kinds, file inodes, link targets,
 * modes and owners), since rsync creates every directory anew in each snapshot.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { statEntry, walkTree, type EntryType, type TreeEntry } from './tree.ts';

export interface Observation {
  snapshot: string;
  /** Undefined when the path does not exist in that snapshot. */
  entry?: { key: string; type: EntryType; size: number; mtimeMs: number };
}

export interface HistoryItem {
  /** 1, 2, ... in order of first appearance; 0 for a stretch where the path is absent. */
  version: number;
  type?: EntryType;
  size?: number;
  mtimeMs?: number;
  /** First and last snapshot of this consecutive stretch. */
  from: string;
  to: string;
  snapshots: number;
}

/** Consecutive stretches of the same version (or of absence), oldest first. Pure. */
export function groupVersions(observations: readonly Observation[]): HistoryItem[] {
  const numbers = new Map<string, number>();
  const items: HistoryItem[] = [];
  let lastKey: string | undefined | null = null;
  for (const o of observations) {
    const key = o.entry?.key;
    const current = items[items.length - 1];
    if (current && key === lastKey) {
      current.to = o.snapshot;
      current.snapshots++;
      continue;
    }
    lastKey = key;
    if (key === undefined) {
      items.push({ version: 0, from: o.snapshot, to: o.snapshot, snapshots: 1 });
      continue;
    }
    if (!numbers.has(key)) numbers.set(key, numbers.size + 1);
    const e = o.entry!;
    items.push({ version: numbers.get(key)!, type: e.type, size: e.size, mtimeMs: e.mtimeMs, from: o.snapshot, to: o.snapshot, snapshots: 1 });
  }
  // A path that only appears later is not "absent" before it existed: drop the leading gap.
  while (items[0]?.version === 0) items.shift();
  return items;
}

/** Number of distinct versions in a history (absent stretches are not versions). */
export function distinctVersions(items: readonly HistoryItem[]): number {
  return new Set(items.filter((i) => i.version > 0).map((i) => i.version)).size;
}

function entryKey(e: TreeEntry): string {
  if (e.type === 'link') return `link:${e.target}:${e.mode}:${e.uid}:${e.gid}`;
  return `${e.type}:${e.dev}:${e.ino}`;
}

/** What makes a directory's content this version, and its total size. */
async function directoryKey(path: string, self: TreeEntry): Promise<{ key: string; size: number }> {
  const h = createHash('sha256').update(`${self.mode}:${self.uid}:${self.gid}\n`);
  let size = 0;
  for (const [rel, e] of await walkTree(path)) {
    size += e.type === 'file' ? e.size : 0;
    const id = e.type === 'dir' ? `${e.mode}:${e.uid}:${e.gid}` : entryKey(e);
    h.update(`${rel}\0${id}\n`);
  }
  return { key: `dir:${h.digest('hex')}`, size };
}

/** Observe `rel` in each snapshot (oldest first) of the set `setDir`. */
export async function observe(setDir: string, snapshots: readonly string[], rel: string): Promise<Observation[]> {
  const out: Observation[] = [];
  for (const snapshot of snapshots) {
    const path = join(setDir, snapshot, rel);
    const e = await statEntry(path);
    if (!e) { out.push({ snapshot }); continue; }
    if (e.type === 'dir') {
      const d = await directoryKey(path, e);
      out.push({ snapshot, entry: { key: d.key, type: 'dir', size: d.size, mtimeMs: e.mtimeMs } });
    } else {
      out.push({ snapshot, entry: { key: entryKey(e), type: e.type, size: e.size, mtimeMs: e.mtimeMs } });
    }
  }
  return out;
}
