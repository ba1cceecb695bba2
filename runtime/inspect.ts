/**
 * Read-only views of a snapshot set for `list`, `status` and `verify`.
 */
import { join } from 'node:path';
import { readlink } from 'node:fs/promises';
import { LATEST, listSet, readMetadata } from './layout.ts';
import type { SnapshotMetadata } from './snapshot-metadata.ts';

export interface SetView {
  dir: string;
  snapshots: { name: string; meta?: SnapshotMetadata }[];
  partials: string[];
  deleting: string[];
  latest?: string;
}

export async function viewSet(dir: string): Promise<SetView> {
  const l = await listSet(dir);
  const snapshots = await Promise.all(l.complete.map(async (name) => ({ name, meta: await readMetadata(join(dir, name)) })));
  const latest = await readlink(join(dir, LATEST)).catch(() => undefined);
  return { dir, snapshots, partials: l.partials, deleting: l.deleting, latest };
}

/** Problems a person should know about, one line each; empty when the set is sound. */
export function verifyProblems(v: SetView): string[] {
  const out: string[] = [];
  for (const s of v.snapshots) if (!s.meta) out.push(`${s.name}: no metadata file (not written by linkdest, or damaged)`);
  const newest = v.snapshots[v.snapshots.length - 1]?.name;
  if (newest && v.latest !== newest) out.push(`latest points to ${v.latest ?? 'nothing'}, expected ${newest}`);
  for (const p of v.partials) out.push(`${p}: partial snapshot of an interrupted run (the next run resumes it)`);
  for (const d of v.deleting) out.push(`${d}: interrupted deletion (the next run finishes it)`);
  return out;
}
