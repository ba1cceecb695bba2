/**
 * The rotation part of a run's end: the figures of the disk used (read while it is still
 * mounted), the seen record updated for every enrolled disk attached, and the report's
 * account of the disks with one warning per disk absent longer than rotation.max_absence.
 */
import { basename } from 'node:path';
import type { RuntimeConfig, RotationDisk } from '../config.ts';
import { listSet, setDir } from '../layout.ts';
import type { RunDisks, RunResult } from '../run-result.ts';
import { spaceOf } from '../space.ts';
import { describeUnknown, type DiskChoice } from './choose-disk.ts';
import { absenceWarnings, diskStates } from './disk-states.ts';
import { readDiskRecords, updateRecords, writeDiskRecords, type SeenUpdate } from './seen-record.ts';

/** Newest complete snapshot and free space of the mounted disk; what cannot be read is left out. */
export async function usedDiskFigures(cfg: RuntimeConfig, disk: RotationDisk): Promise<SeenUpdate> {
  const out: SeenUpdate = { id: disk.id };
  const complete = (await listSet(setDir(cfg)).catch(() => undefined))?.complete ?? [];
  if (complete.length > 0) {
    out.newest_snapshot = basename(complete.at(-1)!);
    out.oldest_snapshot = basename(complete[0]!);
  }
  const space = await spaceOf(cfg.destination.path).catch(() => undefined);
  if (space) { out.free_bytes = space.freeBytes; out.total_bytes = space.totalBytes; }
  return out;
}

export async function recordRotation(cfg: RuntimeConfig, r: RunResult, choice: DiskChoice | undefined, used: SeenUpdate | undefined, now: Date): Promise<void> {
  const enrolled = cfg.destination.disks ?? [];
  const maxAbsence = cfg.destination.rotation?.max_absence_seconds ?? 14 * 86400;
  const attached = [...new Set([...(choice?.attached ?? []), ...(used ? [used.id] : [])])];
  const records = updateRecords(await readDiskRecords(cfg.state_dir), enrolled.map((d) => d.id), attached, used, now);
  await writeDiskRecords(cfg.state_dir, records).catch((e: Error) => r.warnings.push(`disks record: ${e.message}`));
  const states = diskStates(enrolled, records, attached, now, maxAbsence);
  r.warnings.push(...absenceWarnings(states, maxAbsence));
  const disks: RunDisks = {
    ...(used && { used: used.id }),
    ...(choice && { reason: choice.reason }),
    unknown: choice && choice.unknown.length > 0 ? [describeUnknown(choice.unknown)] : [],
    disks: states.map(({ id, attached: a, newestSnapshot, lastSeen, freeBytes, absent }) => ({
      id, attached: a, absent,
      ...(newestSnapshot !== undefined && { newestSnapshot }),
      ...(lastSeen !== undefined && { lastSeen }),
      ...(freeBytes !== undefined && { freeBytes }),
    })),
  };
  r.disks = disks;
}
