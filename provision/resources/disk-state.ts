/**
 * The disk safety rule, as one pure decision over the facts: a disk is formatted only when
 * blank (no partition table, no signature, not mounted, not held); a disk that already
 * carries linkdest's filesystem (label + marker, or label + a uuid our units/fstab record)
 * is adopted; anything else is refused with what was found, unless the user confirmed this
 * exact disk by serial or filesystem uuid.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { DiskFacts, Facts } from '../facts/types.ts';

/** GPT partition name linkdest gives the one partition it creates. */
export const PARTITION_NAME = 'linkdest';

export interface DiskExpectation {
  fstype: string;
  label: string;
  marker: string;
  /** Filesystem uuids our existing mount units or fstab line name. */
  recordedUuids: string[];
  formatConfirm?: string;
  /**
   * What makes the device appear when it is absent at plan time (an iSCSI LUN before the
   * login that the same plan performs). Its contents are then judged at apply time, by the
   * same rule, right before anything touches it.
   */
  appearsAfter?: string;
}

export type DiskVerdict =
  | { state: 'pending'; disk: string; after: string }
  | { state: 'blank'; disk: string; partition: string }
  | { state: 'partitioned'; disk: string; partition: string }
  | { state: 'wipe'; disk: string; partition: string; found: string }
  | { state: 'adopt'; disk: string; fsDevice: string; uuid: string };

/** /dev/sdb -> /dev/sdb1, /dev/loop3 -> /dev/loop3p1, /dev/nvme0n1 -> /dev/nvme0n1p1 */
export function firstPartitionPath(disk: string): string {
  return /\d$/.test(disk) ? `${disk}p1` : `${disk}1`;
}

function deviceList(disk: DiskFacts): string[] {
  const parts = (disk.device?.children ?? []).filter((c) => c.type === 'part').map((c) => c.path);
  return [disk.resolved!, ...parts];
}

function filesystemOf(disk: DiskFacts, path: string): { type: string; label?: string; uuid?: string } | undefined {
  const p = disk.probe[path] ?? {};
  if (p.TYPE !== undefined && p.USAGE !== 'partition_table') return { type: p.TYPE, label: p.LABEL, uuid: p.UUID };
  const sig = (disk.signatures[path] ?? []).find((s) => s.type !== 'gpt' && s.type !== 'PMBR' && s.type !== 'dos');
  return sig && { type: sig.type, label: sig.label, uuid: sig.uuid };
}

function mountsOf(facts: Facts, path: string): string[] {
  return facts.mounts.filter((m) => m.source === path).map((m) => m.target);
}

function markerSeen(facts: Facts, disk: DiskFacts, path: string, marker: string): boolean {
  if (disk.rootNames[path]?.includes(marker)) return true;
  return facts.marker?.mountedSource === path && facts.marker.exists;
}

/** One line naming what is on the disk: "ext4 'data' (uuid 1234), 2 partitions, mounted at /srv". */
export function describeDisk(facts: Facts, disk: DiskFacts): string {
  const parts: string[] = [];
  const pttype = disk.probe[disk.resolved!]?.PTTYPE;
  const children = deviceList(disk).slice(1);
  for (const path of deviceList(disk)) {
    const fs = filesystemOf(disk, path);
    if (fs) parts.push(`${fs.type}${fs.label ? ` '${fs.label}'` : ''}${fs.uuid ? ` (uuid ${fs.uuid})` : ''}${path === disk.resolved ? '' : ` on ${path}`}`);
  }
  if (pttype) parts.push(`a ${pttype} partition table with ${children.length} partition${children.length === 1 ? '' : 's'}`);
  for (const path of deviceList(disk)) {
    for (const t of mountsOf(facts, path)) parts.push(`${path} mounted at ${t}`);
    for (const h of disk.holders[path] ?? []) parts.push(`${path} held by ${h}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'unknown data';
}

/** Values the user may pass to --format-confirm for this disk, best first. */
export function confirmTokens(disk: DiskFacts): string[] {
  const tokens: string[] = [];
  if (disk.device?.serial) tokens.push(disk.device.serial);
  for (const path of deviceList(disk)) {
    const uuid = filesystemOf(disk, path)?.uuid;
    if (uuid) tokens.push(uuid);
  }
  const ptuuid = disk.probe[disk.resolved!]?.PTUUID;
  if (ptuuid) tokens.push(ptuuid);
  return tokens;
}

export function assessDisk(facts: Facts, want: DiskExpectation): DiskVerdict {
  const disk = facts.disk;
  const err = (message: string): LinkdestError => new LinkdestError(message, { step: 'disk' });
  if ((disk === undefined || disk.resolved === undefined) && want.appearsAfter !== undefined) {
    return { state: 'pending', disk: disk?.configured ?? '(none)', after: want.appearsAfter };
  }
  if (disk === undefined || disk.resolved === undefined) {
    throw err(`disk ${disk?.configured ?? '(none)'} not found on the host; is it plugged in?`);
  }
  const dev = disk.resolved;
  const devices = deviceList(disk);
  const partitions = devices.slice(1);
  for (const path of devices) {
    const fs = filesystemOf(disk, path);
    if (fs?.type !== want.fstype || fs.label !== want.label || fs.uuid === undefined) continue;
    if (partitions.length > 1 && path === dev) continue;
    if (markerSeen(facts, disk, path, want.marker) || want.recordedUuids.includes(fs.uuid)) {
      return { state: 'adopt', disk: dev, fsDevice: path, uuid: fs.uuid };
    }
  }
  const inUse = devices.some((p) => mountsOf(facts, p).length > 0 || (disk.holders[p] ?? []).length > 0);
  const signatures = devices.some((p) => (disk.signatures[p] ?? []).length > 0 || filesystemOf(disk, p) !== undefined);
  const pttype = disk.probe[dev]?.PTTYPE;
  const partition = firstPartitionPath(dev);
  if (!inUse && !signatures && pttype === undefined && partitions.length === 0) return { state: 'blank', disk: dev, partition };
  const ours = partitions.length === 1 && disk.probe[partitions[0]!]?.PART_ENTRY_NAME === PARTITION_NAME;
  if (!inUse && ours && pttype === 'gpt' && filesystemOf(disk, partitions[0]!) === undefined && (disk.signatures[partitions[0]!] ?? []).length === 0) {
    return { state: 'partitioned', disk: dev, partition: partitions[0]! };
  }
  const found = describeDisk(facts, disk);
  if (inUse) throw err(`disk ${dev} holds ${found}; it is in use, refusing to format it`);
  const tokens = confirmTokens(disk);
  if (want.formatConfirm !== undefined && tokens.includes(want.formatConfirm)) {
    return { state: 'wipe', disk: dev, partition, found };
  }
  const hint = tokens[0] ?? '<serial-or-fs-uuid>';
  throw err(`disk ${dev} holds ${found}; refusing to format; pass --format-confirm ${hint} if you mean it`);
}
