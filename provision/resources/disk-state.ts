/**
 * The disk safety rule, as one pure decision over the facts: a disk is formatted only when
 * blank (no partition table, no signature, not mounted, not held); a disk that already
 * carries linkdest's filesystem (label + marker, or label + a uuid our units/fstab record)
 * is adopted; a disk in use (mounted, active swap, an LVM physical volume, an md or
 * multi-device btrfs member, held by dm/crypt) is refused and no confirmation overrides
 * that; anything else is refused with what was found, unless the user confirmed this exact
 * disk by serial or uuid. A `linkdest` partition without a filesystem is formatted only
 * right after this same apply created it, or when confirmed: it may be a linkdest
 * filesystem whose superblock is damaged.
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
  /** The partition this same apply created a moment ago: empty, it is ours to format. */
  createdPartition?: string;
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
  /** `erase`: every device whose signatures go, partitions first, the disk (its table) last. */
  | { state: 'wipe'; disk: string; partition: string; found: string; erase: string[] }
  | { state: 'adopt'; disk: string; fsDevice: string; uuid: string };

/** /dev/sdb -> /dev/sdb1, /dev/loop3 -> /dev/loop3p1, /dev/nvme0n1 -> /dev/nvme0n1p1 */
export function firstPartitionPath(disk: string): string {
  return /\d$/.test(disk) ? `${disk}p1` : `${disk}1`;
}

/** The disk, then its partitions: lsblk's children, and any partition the probes name. */
function deviceList(disk: DiskFacts): string[] {
  const parts = (disk.device?.children ?? []).filter((c) => c.type === 'part').map((c) => c.path);
  const dev = disk.resolved!;
  const probed = Object.keys(disk.probe).filter((p) => p !== dev && !parts.includes(p));
  return [dev, ...parts, ...probed];
}

/** Partition-table signatures: on the disk they are the table, not a filesystem. */
const TABLE_TYPES = new Set(['gpt', 'PMBR', 'dos']);

function filesystemOf(disk: DiskFacts, path: string): { type: string; label?: string; uuid?: string } | undefined {
  const p = disk.probe[path] ?? {};
  if (p.TYPE !== undefined && p.USAGE !== 'partition_table') return { type: p.TYPE, label: p.LABEL, uuid: p.UUID };
  const sig = (disk.signatures[path] ?? []).find((s) => !TABLE_TYPES.has(s.type));
  return sig && { type: sig.type, label: sig.label, uuid: sig.uuid };
}

function mountsOf(facts: Facts, path: string): string[] {
  return facts.mounts.filter((m) => m.source === path).map((m) => m.target);
}

function lsblkRow(disk: DiskFacts, path: string) {
  const d = disk.device;
  if (d === undefined) return undefined;
  return d.path === path ? d : d.children.find((c) => c.path === path);
}

function markerSeen(facts: Facts, disk: DiskFacts, path: string, marker: string): boolean {
  if (disk.rootNames[path]?.includes(marker)) return true;
  return facts.marker?.mountedSource === path && facts.marker.exists;
}

/**
 * Why the disk is in use, one phrase per reason; [] when it is not. In use means something
 * on this host (or an array spanning other disks) depends on it right now: formatting it
 * would break that, so no --format-confirm overrides it.
 */
export function inUseReasons(facts: Facts, disk: DiskFacts): string[] {
  const out: string[] = [];
  for (const path of deviceList(disk)) {
    for (const t of mountsOf(facts, path)) out.push(`${path} mounted at ${t}`);
    if (lsblkRow(disk, path)?.mountpoints.includes('[SWAP]')) out.push(`${path} is active swap`);
    for (const h of disk.holders[path] ?? []) out.push(`${path} held by ${h}`);
    const types = new Set([disk.probe[path]?.TYPE, ...(disk.signatures[path] ?? []).map((s) => s.type)]);
    const fs = filesystemOf(disk, path);
    if (types.has('LVM2_member')) out.push(`${path} is an LVM physical volume`);
    else if (types.has('linux_raid_member')) out.push(`${path} is a member of md RAID array${fs?.label ? ` ${fs.label}` : ''}${fs?.uuid ? ` (uuid ${fs.uuid})` : ''}`);
    // blkid's other RAID members: firmware RAID sets (isw_raid_member, ddf_raid_member...).
    else if (disk.probe[path]?.USAGE === 'raid') out.push(`${path} is a RAID member (${disk.probe[path]!.TYPE})`);
    const n = disk.btrfsDevices?.[path] ?? 1;
    if (types.has('btrfs') && n > 1) out.push(`${path} is one of ${n} devices of btrfs filesystem${fs?.uuid ? ` ${fs.uuid}` : ''}`);
  }
  return out;
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
  parts.push(...inUseReasons(facts, disk));
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
  for (const path of deviceList(disk).slice(1)) {
    const partuuid = disk.probe[path]?.PART_ENTRY_UUID;
    if (partuuid) tokens.push(partuuid);
  }
  // Nothing on the disk has an id (a bare protective MBR, no serial): its kernel name, then.
  if (tokens.length === 0) tokens.push(disk.resolved!);
  return [...new Set(tokens)];
}

/** How to look at a damaged filesystem of this type without changing it. */
export function checkCommand(fstype: string, device: string): string {
  if (fstype === 'xfs') return `xfs_repair -n ${device}`;
  if (fstype === 'btrfs') return `btrfs check --readonly ${device}`;
  return `e2fsck -n ${device} (a damaged superblock: e2fsck -n -b 32768 ${device})`;
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
  const inUse = inUseReasons(facts, disk);
  if (inUse.length > 0) {
    throw err(`disk ${dev} is in use: ${inUse.join(', ')}; refusing to format it, even with --format-confirm (free it on the host first)`);
  }
  const signatures = devices.some((p) => (disk.signatures[p] ?? []).length > 0 || filesystemOf(disk, p) !== undefined);
  const pttype = disk.probe[dev]?.PTTYPE;
  const partition = firstPartitionPath(dev);
  if (!signatures && pttype === undefined && partitions.length === 0) return { state: 'blank', disk: dev, partition };
  const tokens = confirmTokens(disk);
  const confirmed = want.formatConfirm !== undefined && tokens.includes(want.formatConfirm);
  const hint = `linkdest apply --format-confirm ${tokens[0]!}`;
  const only = partitions.length === 1 ? partitions[0]! : undefined;
  const emptyOurs = only !== undefined && pttype === 'gpt' && disk.probe[only]?.PART_ENTRY_NAME === PARTITION_NAME
    && filesystemOf(disk, only) === undefined && (disk.signatures[only] ?? []).length === 0;
  if (emptyOurs) {
    if (want.createdPartition === only || confirmed) return { state: 'partitioned', disk: dev, partition: only };
    throw err(
      `disk ${dev}: partition ${only} is named ${PARTITION_NAME} but shows no filesystem (an interrupted apply, or a damaged linkdest filesystem); `
        + `refusing to format it; check it with ${checkCommand(want.fstype, only)}, or format it with ${hint}`,
    );
  }
  const found = describeDisk(facts, disk);
  if (confirmed) return { state: 'wipe', disk: dev, partition, found, erase: [...partitions, dev] };
  const ourLabel = devices.find((p) => filesystemOf(disk, p)?.type === want.fstype && filesystemOf(disk, p)?.label === want.label);
  const check = ourLabel === undefined ? '' : `; if it is a linkdest disk whose marker is unreadable, check it with ${checkCommand(want.fstype, ourLabel)}`;
  // The value to confirm comes before the description: a long description may be cut, it may not.
  throw err(`disk ${dev} holds data; refusing to format it; to erase it run: ${hint}; found: ${found}${check}`);
}
