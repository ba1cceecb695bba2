/**
 * Which enrolled rotation disk tonight's run writes to (docs/rotation.md), as one pure
 * decision over what blkid saw and what the host remembers of each disk:
 * - an enrolled disk is attached when its filesystem UUID (or, encrypted, its LUKS UUID) is seen;
 * - one attached: that one; several: the one whose newest snapshot is older (a disk never
 *   used counts as oldest), so the disk that has the most to catch up gets it; snapshot names
 *   have whole seconds, so equal names go to the disk written less recently (last_used), then by id;
 * - filesystems that are neither enrolled nor mounted are "unknown": named in the report,
 *   never written to.
 */
import type { RotationDisk } from '../config.ts';
import type { ProbedFilesystem } from './blkid.ts';
import type { DiskRecord } from './seen-record.ts';

export interface DiskChoice {
  /** The disk to use, absent when no enrolled disk is attached. */
  chosen?: RotationDisk;
  /** One line for the log and the report. */
  reason: string;
  /** Ids of the enrolled disks attached now. */
  attached: string[];
  /** Attached filesystems that are not enrolled (never written to). */
  unknown: ProbedFilesystem[];
}

/** Filesystem types a backup disk may carry; other signatures (swap, LVM, md) are no "disk seen". */
const DISK_TYPES = new Set(['ext4', 'ext3', 'ext2', 'xfs', 'btrfs', 'crypto_LUKS']);

export function isAttached(d: RotationDisk, seen: readonly ProbedFilesystem[]): boolean {
  const uuids = new Set(seen.map((f) => f.uuid));
  return uuids.has(d.uuid.toLowerCase()) || (d.luks_uuid !== undefined && uuids.has(d.luks_uuid.toLowerCase()));
}

function describe(f: ProbedFilesystem): string {
  return `${f.device} (${[f.type, f.label && `label ${f.label}`, `uuid ${f.uuid}`].filter(Boolean).join(', ')})`;
}

export function describeUnknown(unknown: readonly ProbedFilesystem[]): string {
  return unknown.map(describe).join('; ');
}

/**
 * `mountedDevices`: devices mounted somewhere now (the system's own filesystems are no
 * candidates for "a disk plugged in without enrolment").
 */
export function chooseDisk(
  enrolled: readonly RotationDisk[], seen: readonly ProbedFilesystem[], records: Readonly<Record<string, DiskRecord>>, mountedDevices: ReadonlySet<string> = new Set(),
): DiskChoice {
  const attachedDisks = enrolled.filter((d) => isAttached(d, seen));
  const known = new Set(enrolled.flatMap((d) => [d.uuid.toLowerCase(), ...(d.luks_uuid ? [d.luks_uuid.toLowerCase()] : [])]));
  const unknown = seen.filter((f) => !known.has(f.uuid) && !mountedDevices.has(f.device) && DISK_TYPES.has(f.type ?? ''));
  const attached = attachedDisks.map((d) => d.id);
  if (attachedDisks.length === 0) {
    const ids = enrolled.map((d) => d.id).join(', ') || 'none';
    const extra = unknown.length > 0 ? `; attached but not enrolled (not written to): ${describeUnknown(unknown)}` : '';
    return { reason: `no enrolled disk attached (enrolled: ${ids})${extra}`, attached, unknown };
  }
  const newest = (d: RotationDisk): string => records[d.id]?.newest_snapshot ?? '';
  const lastUsed = (d: RotationDisk): string => records[d.id]?.last_used ?? '';
  const sorted = [...attachedDisks].sort((a, b) => newest(a).localeCompare(newest(b)) || lastUsed(a).localeCompare(lastUsed(b)) || a.id.localeCompare(b.id));
  const chosen = sorted[0]!;
  const label = (d: RotationDisk): string => `${d.id} (newest snapshot ${newest(d) || 'none'})`;
  const reason = sorted.length === 1
    ? `disk ${chosen.id}: the only enrolled disk attached`
    : `disk ${chosen.id}: ${sorted.length} enrolled disks attached, ${sorted.map(label).join(', ')}; the one with the older newest snapshot is used`;
  return { chosen, reason, attached, unknown };
}
