/**
 * One backup host as the provisioner sees it after the inventory is loaded and
 * defaults < groups < host are merged: everything needed to plan that host.
 * inventory/load.ts produces these; provision/ consumes them. Secrets appear here only
 * as references (SecretRef), never as values.
 */
import type { RuntimeConfig } from '../runtime/config.ts';
import type { PullSource } from './pull-source.ts';

/** A secret by reference: read at apply time on the control machine, never printed. */
export type SecretRef = { password_file: string } | { password_env: string };

export interface SshSpec {
  /** Address or ~/.ssh/config alias. */
  host: string;
  port?: number;
  user?: string;
  /** Private key file. Agent (SSH_AUTH_SOCK) is used when absent. */
  identity?: string;
  /** OpenSSH known_hosts file checked strictly. Default ~/.ssh/known_hosts. */
  known_hosts?: string;
  /**
   * Jump hosts `[user@]host[:port]` as written, nearest to this machine first (ProxyJump);
   * [] means none, even when ~/.ssh/config names one. Absent: ~/.ssh/config decides.
   */
  jump?: string[];
}

export interface UsbDiskSpec {
  kind: 'usb';
  /** Stable path: /dev/disk/by-id/..., by-path, by-uuid, or /dev/loopN (tests). */
  device: string;
}

export interface IscsiDiskSpec {
  kind: 'iscsi';
  portals: { address: string; port: number }[];
  target: string;
  lun: number;
  chap?: { user: string; secret: SecretRef; mutual?: { user: string; secret: SecretRef } };
}

/** Off-site rotation (docs/rotation.md): the enrolled disks take turns at the mount point. */
export interface RotationDiskSpec {
  kind: 'rotation';
  disks: { id: string; uuid: string; luks_uuid?: string }[];
  run_on_attach: boolean;
  /** Seconds. */
  min_age: number;
  /** Seconds. */
  max_absence: number;
}

export interface HostSpec {
  /** Inventory name (hosts.NAME): used in output, errors and as the default snapshot set name. */
  name: string;
  /** Groups this host belongs to (for --limit). */
  groups: string[];
  connection: 'ssh' | 'local';
  ssh?: SshSpec;
  /** Use `sudo -n` for commands when the SSH user is not root. */
  become: boolean;
  /** Packages may be installed with the host's package manager when missing. */
  install_packages: boolean;
  disk?: {
    target: UsbDiskSpec | IscsiDiskSpec | RotationDiskSpec;
    filesystem: 'ext4' | 'xfs' | 'btrfs';
    label: string;
  };
  mountpoint: string;
  mount: 'automount' | 'fstab' | 'static';
  /** `mount` was not set: automount on systemd hosts, fstab on the others (decided from facts). */
  mountDefaulted?: boolean;
  marker: string;
  /** systemd OnCalendar expression (cron hosts get the equivalent crontab line). */
  schedule: string;
  /** OnCalendar of the scheduled deep verify (`verify: {schedule}`); none when absent. */
  verify_schedule?: string;
  /** SMTP password by reference; the runtime config only names the file it is copied to. */
  smtp_password?: SecretRef;
  /** Webhook URL by reference; the runtime config only names the file it is copied to. */
  webhook_url?: SecretRef;
  /**
   * The runtime's own settings (sources, exclude, vms, retention, report, hooks, log...),
   * fully defaulted. `destination` is derived by the provisioner from disk/mount/marker.
   */
  runtime: Omit<RuntimeConfig, 'destination'>;
  /** Machines this host pulls sources from with linkdest's restricted key (docs/pull.md). */
  pull?: PullSource[];
  /** Where this host is defined, for error messages: `linkdest.yml:12:5`. */
  origin: string;
}
