/**
 * What the provisioner knows about one host, gathered in one round trip before planning.
 * Every field is parsed from one tool's output (see the parse-*.ts files beside this one);
 * resources read only these values, never the host, in check().
 */

export type PackageManager = 'apt' | 'dnf' | 'zypper' | 'pacman' | 'apk' | 'emerge';

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  prettyName: string;
}

/** One row of `lsblk -J -b`, children flattened into `children`. */
export interface BlockDevice {
  name: string;
  path: string;
  type: string;
  size: number;
  fstype?: string;
  label?: string;
  uuid?: string;
  partuuid?: string;
  pttype?: string;
  mountpoints: string[];
  serial?: string;
  model?: string;
  tran?: string;
  ro: boolean;
  rm: boolean;
  pkname?: string;
  children: BlockDevice[];
}

/** One signature `wipefs -n -J` reports (partition tables, filesystems, RAID members...). */
export interface Signature {
  device: string;
  offset: string;
  type: string;
  uuid?: string;
  label?: string;
}

/** One line of /proc/mounts or /etc/fstab, octal escapes (\040) already decoded. */
export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string[];
  /** fstab only: the raw line, to replace it in place. */
  line?: number;
}

export interface FileFact {
  exists: boolean;
  type?: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits, e.g. 0o600. */
  mode?: number;
  owner?: string;
  group?: string;
  size?: number;
  sha256?: string;
  /** Only for small non-secret regular files, so a diff can be shown. */
  content?: string;
}

export interface UnitFact {
  /** `systemctl is-enabled` word: enabled, disabled, static, masked, not-found... */
  enabled: string;
  /** `systemctl is-active` word: active, inactive, failed, activating... */
  active: string;
}

/** The configured backup disk and everything found on it. */
export interface DiskFacts {
  /** As written in the inventory (/dev/disk/by-id/...). */
  configured: string;
  /** readlink -f of it; undefined when the path does not exist on the host. */
  resolved?: string;
  /** /dev/disk/by-id links that point at the same device (the /dev/sdX hint). */
  aliases: string[];
  /** The disk and its partitions as lsblk sees them. */
  device?: BlockDevice;
  /** blkid -p export values per device path (PTTYPE, TYPE, LABEL, UUID, PART_ENTRY_NAME...). */
  probe: Record<string, Record<string, string>>;
  /** wipefs -n signatures per device path. */
  signatures: Record<string, Signature[]>;
  /**
   * Devices (dm, md) holding each device path, from /sys/class/block/NAME/holders, with
   * what device mapper says they are when it says: "dm-0 (crypt luks-1234)", "md127".
   */
  holders: Record<string, string[]>;
  /** Device count of the btrfs filesystem on each btrfs device path (from its superblock). */
  btrfsDevices?: Record<string, number>;
  /** Names in the root directory of ext4 filesystems, read with debugfs (no mount needed). */
  rootNames: Record<string, string[]>;
}

/** What systemd automount units need on the host: both must hold. */
export interface AutofsFacts {
  /** The kernel has autofs (`autofs` in /proc/filesystems). */
  kernel: boolean;
  /** /dev/autofs exists on the host (a container may lack it where the kernel has it). */
  device: boolean;
}

export interface Facts {
  os: OsRelease;
  /** PID 1 is systemd (and /run/systemd/system exists). */
  systemd: boolean;
  autofs: AutofsFacts;
  /** The kernel has device-mapper (loaded or loadable), which LUKS (dm-crypt) needs; see DEVICE_MAPPER_TEST. */
  deviceMapper?: boolean;
  packageManager?: PackageManager;
  /** Absolute path of each command the provisioner may use, when present. */
  commands: Record<string, string>;
  node?: { path: string; version: string };
  rsync?: { version: string };
  mounts: MountEntry[];
  fstab: MountEntry[];
  files: Record<string, FileFact>;
  units: Record<string, UnitFact>;
  disk?: DiskFacts;
  /** The marker file as seen on a real (non-autofs) mount at `marker.mountpoint`. */
  marker?: MarkerFact;
}

export interface MarkerFact {
  mountpoint: string;
  name: string;
  /** Source (resolved) and type of the real (non-autofs) filesystem mounted at the mount point. */
  mountedSource?: string;
  mountedFstype?: string;
  exists: boolean;
  /** st_dev of the mount point (when it exists) and of /: equal means it is on the filesystem holding /. */
  dev?: string;
  rootDev?: string;
}

/** What the resources of one host want inspected; merged, then gathered in one run. */
export interface FactQuery {
  files: { path: string; secret?: boolean }[];
  units: string[];
  device?: string;
  marker?: { mountpoint: string; name: string };
}

export function emptyQuery(): FactQuery {
  return { files: [], units: [] };
}

/** Union of queries; the first file entry for a path wins, except that secret is sticky. */
export function mergeQueries(queries: readonly Partial<FactQuery>[]): FactQuery {
  const out = emptyQuery();
  const files = new Map<string, boolean>();
  for (const q of queries) {
    for (const f of q.files ?? []) files.set(f.path, (files.get(f.path) ?? false) || (f.secret ?? false));
    for (const u of q.units ?? []) if (!out.units.includes(u)) out.units.push(u);
    if (q.device !== undefined) out.device = q.device;
    if (q.marker !== undefined) out.marker = q.marker;
  }
  out.files = [...files].map(([path, secret]) => ({ path, secret }));
  return out;
}
