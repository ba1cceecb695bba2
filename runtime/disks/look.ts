/** The I/O around chooseDisk: what blkid sees, what is mounted, what the host remembers. */
import { readFileSync } from 'node:fs';
import type { RuntimeConfig } from '../config.ts';
import { parseMountinfo } from '../mountinfo.ts';
import { probeFilesystems } from './blkid.ts';
import { chooseDisk, type DiskChoice } from './choose-disk.ts';
import { readDiskRecords } from './seen-record.ts';

export async function lookForDisks(cfg: RuntimeConfig): Promise<DiskChoice> {
  const seen = await probeFilesystems();
  const mounted = new Set(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((e) => e.source));
  return chooseDisk(cfg.destination.disks ?? [], seen, await readDiskRecords(cfg.state_dir), mounted);
}
