/**
 * The rows of `linkdest disk list` from a host's overview. A host with one `disk.usb` (or
 * iscsi) is shown as one disk: its id is the one its marker names, else `usb`/`iscsi`. Pure.
 */
import type { Overview } from '../../runtime/ops/overview.ts';
import type { DiskState } from '../../runtime/disks/disk-states.ts';
import type { HostSpec } from '../../inventory/host-spec.ts';
import { table, localTime } from '../../runtime/ops/format.ts';
import { formatBytes } from '../../runtime/size.ts';

export function diskRows(spec: HostSpec, o: Overview): DiskState[] {
  if (o.disks) return o.disks;
  if (spec.disk === undefined) return [];
  const newest = o.snapshots?.at(-1);
  const readable = o.snapshots !== undefined;
  return [{
    id: o.markerDiskId ?? spec.disk.target.kind, uuid: '-', encrypted: false, attached: readable, absent: false,
    ...(newest && { newestSnapshot: newest.name }),
    ...(readable && { lastSeen: new Date().toISOString() }),
    ...(o.space && { freeBytes: o.space.freeBytes }),
  }];
}

export function formatDiskRows(rows: readonly DiskState[]): string {
  if (rows.length === 0) return 'no disks: this host backs up to a directory it does not manage\n';
  return `${table(['ID', 'UUID', 'ENCRYPTED', 'NEWEST SNAPSHOT', 'LAST SEEN', 'FREE', 'ATTACHED'], rows.map((d) => [
    d.id, d.uuid, d.encrypted ? 'yes' : 'no', d.newestSnapshot ?? 'none', d.lastSeen ? localTime(d.lastSeen) : 'never',
    d.freeBytes === undefined ? '-' : formatBytes(d.freeBytes), `${d.attached ? 'yes' : 'no'}${d.absent ? ' (ABSENT too long)' : ''}`,
  ]))}\n`;
}
