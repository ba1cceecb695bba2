/** Restore and history on a rotation host: the disk being read and the others, from the host's seen record. */
import type { RotationDisk, RuntimeConfig } from '../config.ts';
import { otherDisks, type OtherDisk } from './other-disks.ts';
import { readDiskRecords } from './seen-record.ts';

export async function rotationContext(cfg: RuntimeConfig, disk: RotationDisk | undefined): Promise<{ disk?: string; otherDisks?: OtherDisk[] }> {
  if (cfg.destination.disks === undefined) return {};
  const others = otherDisks(cfg.destination.disks, await readDiskRecords(cfg.state_dir), disk?.id);
  return { ...(disk && { disk: disk.id }), otherDisks: others };
}
