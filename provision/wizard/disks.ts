/**
 * Which disks of a host may become the backup disk, decided from facts alone: the system
 * disk and mounted or held disks cannot be chosen; a disk already carrying linkdest's
 * filesystem (label + marker) is offered for adoption; a disk with anything else on it
 * needs its serial (or a filesystem label or uuid) typed before it may be formatted.
 */
import type { BlockDevice, DiskFacts, MountEntry } from '../facts/types.ts';
import { formatBytes } from '../../runtime/size.ts';

export type DiskState = 'system' | 'mounted' | 'in-use' | 'read-only' | 'no-stable-name' | 'blank' | 'linkdest' | 'data';

export interface DiskPart {
  path: string;
  fstype?: string;
  label?: string;
  uuid?: string;
  mounts: string[];
}

export interface DiskCandidate {
  path: string;
  /** The name written to the inventory: /dev/disk/by-id/... or /dev/loopN. */
  stable?: string;
  size: number;
  model?: string;
  serial?: string;
  tran?: string;
  pttype?: string;
  /** The whole disk (unpartitioned filesystem) first, then partitions. */
  parts: DiskPart[];
  state: DiskState;
  /** Why it cannot be chosen; undefined when it can. */
  blocked?: string;
  /** What the user may type to confirm erasing it (serial, labels, uuids). */
  confirmWords: string[];
  /** What apply's --format-confirm accepts for this disk (serial, else a uuid). */
  formatToken?: string;
  /** One line saying what is on it. */
  contents: string;
}

const SYSTEM_MOUNTS = new Set(['/', '/boot', '/boot/efi', '/efi', '/usr', '/var', '/home', '[SWAP]']);

function stableName(disk: DiskFacts, dev: BlockDevice): string | undefined {
  if (/^\/dev\/loop\d+$/.test(dev.path)) return dev.path;
  // udev's wwn-/nvme-eui names are stable too, but the vendor names are what people recognise.
  const byId = [...disk.aliases].sort((a, b) => Number(/\/(wwn|nvme-eui)-/.test(a)) - Number(/\/(wwn|nvme-eui)-/.test(b)) || a.localeCompare(b));
  return byId[0];
}

function partOf(path: string, dev: BlockDevice | undefined, disk: DiskFacts, mounts: MountEntry[]): DiskPart {
  const probe = disk.probe[path] ?? {};
  const isTable = probe.USAGE === 'partition_table' || (probe.TYPE === undefined && probe.PTTYPE !== undefined);
  const sig = (disk.signatures[path] ?? []).find((s) => !['gpt', 'PMBR', 'dos'].includes(s.type));
  const fstype = isTable ? undefined : probe.TYPE ?? dev?.fstype ?? sig?.type;
  const fromMounts = mounts.filter((m) => m.source === path).map((m) => m.target);
  return {
    path,
    ...(fstype !== undefined && { fstype }),
    ...((probe.LABEL ?? dev?.label ?? sig?.label) !== undefined && { label: probe.LABEL ?? dev?.label ?? sig?.label }),
    ...((probe.UUID ?? dev?.uuid ?? sig?.uuid) !== undefined && { uuid: probe.UUID ?? dev?.uuid ?? sig?.uuid }),
    mounts: [...new Set([...(dev?.mountpoints ?? []), ...fromMounts])],
  };
}

function describeContents(c: Pick<DiskCandidate, 'pttype' | 'parts'>): string {
  const bits: string[] = [];
  const [whole, ...parts] = c.parts;
  if (c.pttype) bits.push(`${c.pttype} table, ${parts.length} partition${parts.length === 1 ? '' : 's'}`);
  for (const p of c.parts) {
    if (p.fstype) bits.push(`${p.fstype}${p.label ? ` "${p.label}"` : ''}${p === whole ? '' : ` on ${p.path.replace('/dev/', '')}`}`);
    for (const m of p.mounts) bits.push(`mounted at ${m}`);
  }
  return bits.length > 0 ? bits.join(', ') : 'blank';
}

export interface ClassifyOptions {
  /** Filesystem label and marker file name of linkdest's disks. */
  label: string;
  marker: string;
  /** The backup mountpoint: a linkdest disk mounted there is still adoptable. */
  mountpoint: string;
  mounts: MountEntry[];
  /** Marker found on the filesystem mounted at `mountpoint` (gather's marker fact). */
  markerAtMountpoint?: { source?: string; exists: boolean };
}

export function classifyDisk(disk: DiskFacts, o: ClassifyOptions): DiskCandidate | undefined {
  const dev = disk.device;
  if (dev === undefined || disk.resolved === undefined) return undefined;
  const children = dev.children.filter((c) => c.type === 'part');
  const parts = [partOf(dev.path, dev, disk, o.mounts), ...children.map((c) => partOf(c.path, c, disk, o.mounts))];
  const pttype = disk.probe[dev.path]?.PTTYPE ?? dev.pttype;
  const held = [dev.path, ...children.map((c) => c.path)].some((p) => (disk.holders[p] ?? []).length > 0);
  const mounts = parts.flatMap((p) => p.mounts);
  const hasData = parts.some((p) => p.fstype !== undefined) || pttype !== undefined
    || Object.values(disk.signatures).some((s) => s.length > 0);
  const ours = parts.find((p) => p.label === o.label && p.fstype !== undefined
    && ((disk.rootNames[p.path] ?? []).includes(o.marker) || (o.markerAtMountpoint?.source === p.path && o.markerAtMountpoint.exists)));
  const serial = dev.serial;
  const confirmWords = [serial, ...parts.flatMap((p) => [p.label, p.uuid]), disk.probe[dev.path]?.PTUUID].filter((w): w is string => w !== undefined && w !== '');
  const formatToken = serial ?? parts.map((p) => p.uuid).find(Boolean) ?? disk.probe[dev.path]?.PTUUID;
  const c: DiskCandidate = {
    path: dev.path, size: dev.size, parts, state: 'blank', confirmWords,
    ...(stableName(disk, dev) !== undefined && { stable: stableName(disk, dev) }),
    ...(dev.model !== undefined && { model: dev.model }), ...(serial !== undefined && { serial }),
    ...(dev.tran !== undefined && { tran: dev.tran }), ...(pttype !== undefined && { pttype }),
    ...(formatToken !== undefined && { formatToken }),
    contents: '',
  };
  c.contents = describeContents(c);
  const systemAt = mounts.find((m) => SYSTEM_MOUNTS.has(m));
  const block = (state: DiskState, why: string): DiskCandidate => ({ ...c, state, blocked: why });
  if (systemAt !== undefined) return block('system', `system disk: ${systemAt === '[SWAP]' ? 'swap' : `holds ${systemAt}`}`);
  if (dev.ro) return block('read-only', 'read-only');
  if (ours && mounts.every((m) => m === o.mountpoint)) return c.stable ? { ...c, state: 'linkdest' } : block('no-stable-name', 'no /dev/disk/by-id name');
  if (mounts.length > 0) return block('mounted', `mounted at ${mounts.join(', ')}`);
  if (held) return block('in-use', 'in use (RAID, LVM or dm-crypt)');
  if (c.stable === undefined) return block('no-stable-name', 'no /dev/disk/by-id name to find it again after a reboot');
  return { ...c, state: hasData ? 'data' : 'blank' };
}

const STATE_WORD: Record<DiskState, string> = {
  system: 'SYSTEM', mounted: 'MOUNTED', 'in-use': 'IN USE', 'read-only': 'READ-ONLY', 'no-stable-name': 'NO ID',
  blank: 'blank', linkdest: 'linkdest', data: 'HAS DATA',
};

/** One aligned row per disk, for the select list. */
export function diskRows(disks: readonly DiskCandidate[]): { header: string; rows: string[] } {
  const cells = disks.map((d) => [
    d.path.replace('/dev/', ''), formatBytes(d.size), d.model ?? '-', d.serial ?? '-', d.tran ?? '-', STATE_WORD[d.state], d.contents,
  ]);
  const head = ['DEVICE', 'SIZE', 'MODEL', 'SERIAL', 'BUS', 'STATE', 'CONTENTS'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return { header: fmt(head), rows: cells.map(fmt) };
}

/** Did the user type something that names this disk? */
export function confirmsDisk(d: DiskCandidate, typed: string): boolean {
  const t = typed.trim();
  return t !== '' && d.confirmWords.includes(t);
}

/** Does a --disk value name this disk (kernel name, stable name or a by-id alias)? */
export function namesDisk(d: DiskCandidate, value: string): boolean {
  return [d.path, d.stable, d.path.replace('/dev/', '')].includes(value);
}
