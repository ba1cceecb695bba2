/** Each enrolled disk as `linkdest status` and `linkdest disk list` show it, looked at now. */
import type { RuntimeConfig } from '../config.ts';
import { probeFilesystems } from './blkid.ts';
import { isAttached } from './choose-disk.ts';
import { diskStates, type DiskState } from './disk-states.ts';
import { readDiskRecords } from './seen-record.ts';

export async function rotationDisksNow(cfg: RuntimeConfig, now = new Date()): Promise<DiskState[]> {
  const enrolled = cfg.destination.disks ?? [];
  const seen = await probeFilesystems();
  const attached = enrolled.filter((d) => isAttached(d, seen)).map((d) => d.id);
  return diskStates(enrolled, await readDiskRecords(cfg.state_dir), attached, now, cfg.destination.rotation?.max_absence_seconds ?? 14 * 86400);
}
