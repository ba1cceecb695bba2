/**
 * What must happen to the filesystems on a LUN before its session is logged out (new CHAP
 * settings): an iSCSI logout removes the disk under a mounted filesystem, which aborts its
 * journal and loses every write not yet on the NAS (seen on a real kernel). So the backup
 * filesystem is unmounted first the way the host mounts it, and mounted again after the
 * login; a mount linkdest does not manage stops the logout. Pure, apart from the script.
 */
import { pathUnitName } from '../systemd/escape.ts';

/** Mount points of the LUN (`$1`, its by-path link) and of its partitions, one per line. */
export const LUN_MOUNTS_SCRIPT = [
  'dev=$(readlink -e -- "$1") || exit 0',
  'for d in $(lsblk -nrpo NAME -- "$dev"); do findmnt -rn -o TARGET --source "$d"; done',
  'exit 0',
].join('\n');

/** findmnt -r writes blanks and other unsafe bytes of a path as \xNN. */
export function parseMountTargets(text: string): string[] {
  const paths = text.split('\n').filter((l) => l !== '')
    .map((l) => Buffer.from(l.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
  return [...new Set(paths)];
}

export interface BackupMount {
  mountpoint: string;
  /** As the inventory sets it up: systemd units (automount, static) or an fstab line. */
  mount: 'automount' | 'static' | 'fstab';
}

export type LunRelease =
  | { ok: true; unmount: string[][]; remount: string[][] }
  | { ok: false; foreign: string[] };

export function lunRelease(mounted: readonly string[], backup: BackupMount | undefined): LunRelease {
  const foreign = mounted.filter((m) => m !== backup?.mountpoint);
  if (foreign.length > 0) return { ok: false, foreign };
  if (mounted.length === 0 || backup === undefined) return { ok: true, unmount: [], remount: [] };
  if (backup.mount === 'fstab') return { ok: true, unmount: [['umount', backup.mountpoint]], remount: [['mount', backup.mountpoint]] };
  // Stopping the .mount leaves an .automount armed; starting it again restores the mount as it was.
  const unit = pathUnitName(backup.mountpoint, 'mount');
  return { ok: true, unmount: [['systemctl', 'stop', '--', unit]], remount: [['systemctl', 'start', '--', unit]] };
}
