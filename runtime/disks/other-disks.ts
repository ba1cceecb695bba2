/**
 * For restore and history on a rotation host: the other enrolled disks, the span of
 * snapshots each held when last seen, and when that was, so the admin knows which disk to
 * fetch from the drawer for an older version. Pure.
 */
import type { RotationDisk } from '../config.ts';
import type { DiskRecords } from './seen-record.ts';

export interface OtherDisk {
  id: string;
  oldestSnapshot?: string;
  newestSnapshot?: string;
  /** ISO. */
  lastSeen?: string;
}

export function otherDisks(enrolled: readonly RotationDisk[], records: DiskRecords, readingId: string | undefined): OtherDisk[] {
  return enrolled.filter((d) => d.id !== readingId).map((d) => {
    const r = records[d.id];
    return {
      id: d.id,
      ...(r?.oldest_snapshot !== undefined && { oldestSnapshot: r.oldest_snapshot }),
      ...(r?.newest_snapshot !== undefined && { newestSnapshot: r.newest_snapshot }),
      ...(r?.last_seen !== undefined && { lastSeen: r.last_seen }),
    };
  });
}

export function otherDisksLines(readingId: string | undefined, others: readonly OtherDisk[]): string[] {
  if (others.length === 0) return [];
  const head = `read from disk ${readingId ?? '(unknown)'}; the other enrolled disks hold their own versions (attach one to read it):`;
  return [head, ...others.map((o) => {
    const span = o.newestSnapshot === undefined ? 'no snapshot known' : `snapshots ${o.oldestSnapshot ?? '?'} to ${o.newestSnapshot}`;
    return `  disk ${o.id}: ${span}, last seen ${o.lastSeen ?? 'never'}`;
  })];
}
