/**
 * What the host remembers of each rotation disk, in state_dir/disks.json: when it was last
 * seen attached, its newest snapshot and free space then, and since when it is known (a disk
 * enrolled but never seen is absent from that moment). The run updates it; status, `disk
 * list`, restore and history read it. Written atomically (temp file + rename).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DiskRecord {
  /** ISO time the run first found the disk in its config. */
  known_since: string;
  /** ISO time the disk was last seen attached by a run. */
  last_seen?: string;
  /** Newest complete snapshot on the disk when last seen (a snapshot name, sortable). */
  newest_snapshot?: string;
  /**
   * ISO time (ms) of the last run that wrote to the disk. Snapshot names have whole seconds,
   * so two disks can hold the same newest name; this says which of them was written last.
   */
  last_used?: string;
  /** Oldest complete snapshot on the disk when last seen: restore and history name the span each disk holds. */
  oldest_snapshot?: string;
  free_bytes?: number;
  total_bytes?: number;
}

export type DiskRecords = Record<string, DiskRecord>;

export const DISKS_FILE = 'disks.json';

export function disksFile(stateDir: string): string {
  return join(stateDir, DISKS_FILE);
}

export async function readDiskRecords(stateDir: string): Promise<DiskRecords> {
  try {
    const data = JSON.parse(await readFile(disksFile(stateDir), 'utf8')) as { disks?: unknown };
    return typeof data.disks === 'object' && data.disks !== null ? data.disks as DiskRecords : {};
  } catch {
    return {};
  }
}

export async function writeDiskRecords(stateDir: string, records: DiskRecords): Promise<void> {
  const file = disksFile(stateDir);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify({ version: 1, disks: records }, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, file);
}

export interface SeenUpdate {
  id: string;
  newest_snapshot?: string;
  oldest_snapshot?: string;
  free_bytes?: number;
  total_bytes?: number;
}

/**
 * Pure: the records after a run at `now`: every enrolled disk has a record (known_since
 * now when new), the attached ones are seen now, the used one gets its newest snapshot
 * and free space. Disks no longer enrolled are dropped (retired).
 */
export function updateRecords(records: DiskRecords, enrolledIds: readonly string[], attached: readonly string[], used: SeenUpdate | undefined, now: Date): DiskRecords {
  const out: DiskRecords = {};
  const at = now.toISOString();
  for (const id of enrolledIds) {
    const r: DiskRecord = { ...(records[id] ?? { known_since: at }) };
    if (attached.includes(id)) r.last_seen = at;
    if (used?.id === id) {
      r.last_used = at;
      if (used.newest_snapshot !== undefined) r.newest_snapshot = used.newest_snapshot;
      if (used.oldest_snapshot !== undefined) r.oldest_snapshot = used.oldest_snapshot;
      if (used.free_bytes !== undefined) r.free_bytes = used.free_bytes;
      if (used.total_bytes !== undefined) r.total_bytes = used.total_bytes;
    }
    out[id] = r;
  }
  return out;
}
