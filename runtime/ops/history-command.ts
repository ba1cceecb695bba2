/** `history PATH` and `diff A B` on the host: pick snapshots, read the trees, report. */
import { join } from 'node:path';
import type { RuntimeConfig } from '../config.ts';
import type { OtherDisk } from '../disks/other-disks.ts';
import { rotationContext } from '../disks/rotation-context.ts';
import { LinkdestError, EXIT } from '../errors.ts';
import { listSet, readMetadata, setDir } from '../layout.ts';
import type { Logger } from '../logger.ts';
import { withDestination } from './access.ts';
import { suspectSnapshots } from '../suspect.ts';
import { classifyDiff, type SnapshotDiff } from './diff.ts';
import { groupVersions, observe, type HistoryItem } from './history.ts';
import { chooseSnapshot } from './select-snapshot.ts';
import { locateInSnapshot, normalizePath, notBackedUp } from './snapshot-path.ts';
import { walkTree, type TreeEntry } from './tree.ts';

export interface HistoryReport {
  path: string;
  items: HistoryItem[];
  /** Suspect snapshots among those read (runtime/suspect.ts): an absence there may be an unmounted source, not a deletion. */
  suspect?: string[];
  /** Rotation: the disk read, and what the other enrolled disks hold (docs/rotation.md). */
  disk?: string;
  otherDisks?: OtherDisk[];
}

export async function history(cfg: RuntimeConfig, path: string, log: Logger): Promise<HistoryReport> {
  const original = normalizePath(path);
  return withDestination(cfg, { log }, async (access) => {
    const dir = setDir(cfg);
    const { complete } = await listSet(dir);
    const sources = new Set(cfg.sources.map((s) => s.path));
    for (const name of complete) for (const s of (await readMetadata(join(dir, name)))?.sources ?? []) sources.add(s);
    const loc = locateInSnapshot(original, [...sources]);
    if (!loc) throw notBackedUp(original, [...sources]);
    const items = groupVersions(await observe(dir, complete, loc.rel));
    if (items.length === 0) throw new LinkdestError(`${original} is in none of the ${complete.length} snapshots`, { step: 'history' });
    const suspect = [...(await suspectSnapshots(dir, complete)).keys()];
    return { path: original, items, ...(suspect.length > 0 ? { suspect } : {}), ...(await rotationContext(cfg, access.disk)) };
  });
}

export interface DiffReport extends SnapshotDiff {
  from: string;
  to: string;
}

export async function diffSnapshots(cfg: RuntimeConfig, a: string, b: string, path: string | undefined, log: Logger): Promise<DiffReport> {
  return withDestination(cfg, { log }, async () => {
    const dir = setDir(cfg);
    const l = await listSet(dir);
    const from = chooseSnapshot(l.complete, l.partials, { id: a });
    const to = chooseSnapshot(l.complete, l.partials, { id: b });
    let rel = '';
    if (path !== undefined) {
      const sources = [...new Set([...cfg.sources.map((s) => s.path), ...((await readMetadata(join(dir, to)))?.sources ?? [])])];
      const loc = locateInSnapshot(path, sources);
      if (!loc) throw notBackedUp(path, sources);
      rel = loc.rel;
    }
    if (from === to) throw new LinkdestError(`${a} and ${b} are the same snapshot`, { step: 'diff', exitCode: EXIT.usage });
    const tree = async (name: string): Promise<Map<string, TreeEntry>> =>
      walkTree(join(dir, name, rel), { snapshotRoot: rel === '' }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return new Map();
        throw e;
      });
    // Paths stay relative to the snapshot root (Apps/x for /Apps/x), with or without PATH.
    const d = classifyDiff(await tree(from), await tree(to));
    const full = (p: string): string => (rel === '' ? p : `${rel}/${p}`);
    return { from, to, added: d.added.map(full), removed: d.removed.map(full), changed: d.changed.map(full) };
  });
}
