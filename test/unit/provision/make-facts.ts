/**
 * Facts as hosts report them, for the resource tables: a converged-looking systemd host,
 * plus disks built from the outputs captured in fixtures/ (loop devices, no udev).
 */
import { readFileSync } from 'node:fs';
import type { DiskFacts, Facts, FileFact } from '../../../provision/facts/types.ts';
import { parseLsblk } from '../../../provision/facts/parse-lsblk.ts';
import { parseBlkidProps } from '../../../runtime/disks/blkid.ts';
import { parseWipefs } from '../../../provision/facts/parse-wipefs.ts';
import { parseDebugfsLs } from '../../../provision/facts/parse-debugfs.ts';
import { sha256 } from '../../../provision/resources/file.ts';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

export function makeFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    os: { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    systemd: true,
    autofs: { kernel: true, device: true },
    packageManager: 'apt',
    commands: { node: '/usr/bin/node', rsync: '/usr/bin/rsync', parted: '/usr/sbin/parted', 'mkfs.ext4': '/usr/sbin/mkfs.ext4', 'apt-get': '/usr/bin/apt-get' },
    node: { path: '/usr/bin/node', version: '18.19.0' },
    rsync: { version: '3.2.7' },
    mounts: [],
    fstab: [],
    files: {},
    units: {},
    ...overrides,
  };
}

export function fileFact(content: string, mode = 0o644, owner = 'root', group = 'root'): FileFact {
  return { exists: true, type: 'file', mode, owner, group, size: Buffer.byteLength(content), sha256: sha256(content), content };
}

/** The captured blank 32 MiB loop disk (loop0 before mkfs). */
export function blankDisk(configured = '/dev/disk/by-id/usb-WD_Elements_1234-0:0'): DiskFacts {
  const device = parseLsblk(fixture('lsblk-blank.json'))[0]!;
  return { configured, resolved: device.path, aliases: [], device, probe: { [device.path]: {} }, signatures: { [device.path]: [] }, holders: { [device.path]: [] }, rootNames: {} };
}

/** The captured loop1: GPT, one partition `linkdest`, ext4 labelled linkdest, marker in its root. */
export function linkdestDisk(opts: { marker?: boolean; label?: string } = {}): DiskFacts {
  const device = parseLsblk(fixture('lsblk-gpt-ext4-mounted.json'))[0]!;
  const part = device.children[0]!.path;
  const partProbe = parseBlkidProps(fixture('blkid-ext4-partition.txt'));
  if (opts.label !== undefined) partProbe.LABEL = opts.label;
  const names = parseDebugfsLs(fixture('debugfs-ls-root.txt'));
  return {
    configured: '/dev/disk/by-id/usb-WD_Elements_1234-0:0',
    resolved: device.path,
    aliases: [],
    device,
    probe: { [device.path]: parseBlkidProps(fixture('blkid-gpt-disk.txt')), [part]: partProbe },
    signatures: { [device.path]: parseWipefs(fixture('wipefs-gpt-disk.json')), [part]: parseWipefs(fixture('wipefs-ext4-partition.json')) },
    holders: { [device.path]: [], [part]: [] },
    rootNames: { [part]: opts.marker === false ? names.filter((n) => n !== '.linkdest-backup') : names },
  };
}

/** loop1 right after `parted` (our partition, no filesystem yet). */
export function partitionedDisk(): DiskFacts {
  const d = linkdestDisk();
  const part = d.device!.children[0]!.path;
  const probe = { ...d.probe[part]! };
  for (const k of ['LABEL', 'UUID', 'VERSION', 'BLOCK_SIZE', 'TYPE', 'USAGE']) delete probe[k];
  return { ...d, probe: { ...d.probe, [part]: probe }, signatures: { ...d.signatures, [part]: [] }, rootNames: {} };
}

/** The captured loop0 after `mkfs.ext4 -L data` on the whole disk. */
export function foreignWholeDisk(): DiskFacts {
  const d = blankDisk();
  const path = d.resolved!;
  return { ...d, probe: { [path]: parseBlkidProps(fixture('blkid-ext4-whole-disk.txt')) }, signatures: { [path]: parseWipefs(fixture('wipefs-ext4-whole-disk.json')) } };
}

export const LINKDEST_UUID = parseBlkidProps(fixture('blkid-ext4-partition.txt')).UUID!;
export const DATA_UUID = parseBlkidProps(fixture('blkid-ext4-whole-disk.txt')).UUID!;

export interface PartSketch {
  /** blkid -p values of the partition (TYPE, UUID, LABEL, PART_ENTRY_NAME...). */
  probe?: Record<string, string>;
  /** lsblk MOUNTPOINTS ('[SWAP]' for active swap). */
  mountpoints?: string[];
  holders?: string[];
  btrfsDevices?: number;
}

/**
 * The captured blank loop0 with a layout written by hand: the disk's own blkid values and
 * its partitions (loop0p1, loop0p2...), for the rules no test machine here can reproduce
 * (md arrays, dm-crypt) and the long tables of shop layouts.
 */
export function sketchDisk(disk: PartSketch, parts: PartSketch[] = []): DiskFacts {
  const d = blankDisk();
  const dev = d.resolved!;
  const paths = parts.map((_, i) => `${dev}p${i + 1}`);
  const row = (path: string, s: PartSketch) => ({
    ...d.device!, name: path.slice(5), path, type: path === dev ? 'loop' : 'part', mountpoints: s.mountpoints ?? [], children: [],
  });
  const all: [string, PartSketch][] = [[dev, disk], ...parts.map((p, i): [string, PartSketch] => [paths[i]!, p])];
  const sig = (path: string, p: Record<string, string>) => (p.TYPE === undefined
    ? []
    : [{ device: path.slice(5), offset: '0x0', type: p.TYPE, ...(p.UUID ? { uuid: p.UUID } : {}), ...(p.LABEL ? { label: p.LABEL } : {}) }]);
  const btrfs = Object.fromEntries(all.flatMap(([path, s]) => (s.btrfsDevices === undefined ? [] : [[path, s.btrfsDevices]])));
  return {
    ...d,
    device: { ...row(dev, disk), children: parts.map((p, i) => row(paths[i]!, p)) },
    probe: Object.fromEntries(all.map(([path, s]) => [path, s.probe ?? {}])),
    signatures: Object.fromEntries(all.map(([path, s]) => [path, path === dev && s.probe?.PTTYPE !== undefined && s.probe.TYPE === undefined
      ? [{ device: 'loop0', offset: '0x1fe', type: s.probe.PTTYPE === 'gpt' ? 'PMBR' : s.probe.PTTYPE }]
      : sig(path, s.probe ?? {})])),
    holders: Object.fromEntries(all.map(([path, s]) => [path, s.holders ?? []])),
    ...(Object.keys(btrfs).length > 0 ? { btrfsDevices: btrfs } : {}),
  };
}
