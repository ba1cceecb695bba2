/**
 * `run --on-attach ID`, what the plug-in trigger unit starts: decide from what the host
 * remembers of the disk (its newest snapshot, in the seen record) whether a run is due,
 * say why in the journal, and run or not. A run already in progress (the nightly one, or a
 * second attach) is not an error: that run uses the disk.
 */
import type { RuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { parseStamp } from '../layout.ts';
import { decideRunOnAttach, type AttachDecision } from './attach-decision.ts';
import { readDiskRecords } from './seen-record.ts';

export async function attachDecision(cfg: RuntimeConfig, diskId: string, now = new Date()): Promise<AttachDecision> {
  const disk = (cfg.destination.disks ?? []).find((d) => d.id === diskId);
  if (disk === undefined) return { run: false, reason: `disk ${diskId} was attached but is not enrolled on this host: no run` };
  if (cfg.destination.rotation?.run_on_attach !== true) {
    return { run: false, reason: `disk ${diskId} was attached; rotation.run_on_attach is off: no run` };
  }
  const newest = (await readDiskRecords(cfg.state_dir))[diskId]?.newest_snapshot;
  return decideRunOnAttach({
    diskId, now, minAgeSeconds: cfg.destination.rotation.min_age_seconds,
    newestSnapshotAt: newest === undefined ? undefined : parseStamp(newest),
  });
}

/** Runs `run` when the decision says so; returns the exit code. */
export async function runOnAttach(cfg: RuntimeConfig, diskId: string, run: () => Promise<{ exitCode: number }>): Promise<number> {
  const d = await attachDecision(cfg, diskId);
  console.log(d.reason);
  if (!d.run) return 0;
  try {
    return (await run()).exitCode;
  } catch (e) {
    if (e instanceof LinkdestError && e.exitCode === EXIT.locked) {
      console.log(`disk ${diskId}: a linkdest run is already in progress (${e.message}); it uses the attached disk`);
      return 0;
    }
    throw e;
  }
}
