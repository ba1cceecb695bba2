/**
 * `linkdest-runtime verify --deep`: under the run lock (no run or prune deletes a snapshot
 * being read) and with the destination guarded (mounted, marker checked) like a run.
 */
import type { RuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { ensureDestination } from '../guard.ts';
import { listSet, setDir } from '../layout.ts';
import { acquireLock } from '../lock.ts';
import type { Logger } from '../logger.ts';
import { lockPath } from '../run.ts';
import { deepVerify, type DeepVerifyReport } from './deep.ts';
import { bucketCount, nextSample, readRotation, writeRotation } from './sample.ts';

export interface DeepVerifyRequest {
  snapshot?: string;
  all?: boolean;
  /** Percent of inodes, rotating through the set run after run. */
  sample?: number;
  /** Called with each inode read (tests count coverage with it). */
  onRead?: (ino: bigint) => void;
}

/** Which snapshots: one named, all, or by default the newest. */
export function chooseSnapshots(complete: string[], r: DeepVerifyRequest): string[] {
  if (r.snapshot !== undefined && r.all) throw new LinkdestError('verify: give --snapshot or --all, not both', { step: 'verify', exitCode: EXIT.usage });
  if (r.snapshot !== undefined) {
    if (!complete.includes(r.snapshot)) throw new LinkdestError(`verify: no complete snapshot ${r.snapshot} (see linkdest-runtime list)`, { step: 'verify' });
    return [r.snapshot];
  }
  return r.all ? complete : complete.slice(-1);
}

export async function runDeepVerify(cfg: RuntimeConfig, r: DeepVerifyRequest, log: Logger, signal?: AbortSignal): Promise<DeepVerifyReport> {
  if (r.sample !== undefined && !(r.sample > 0 && r.sample <= 100)) throw new LinkdestError(`verify: --sample must be a percentage above 0 and at most 100, got ${r.sample}`, { step: 'verify', exitCode: EXIT.usage });
  const lock = await acquireLock(lockPath(cfg), (m) => log.warn(m));
  try {
    const guard = await ensureDestination(cfg, log);
    try {
      const dir = setDir(cfg);
      const complete = (await listSet(dir)).complete;
      const snapshots = chooseSnapshots(complete, r);
      const rotation = r.sample === undefined ? undefined : nextSample(await readRotation(dir), bucketCount(r.sample));
      const report = await deepVerify({ setDir: dir, snapshots, all: complete, sample: rotation?.choice, signal, onRead: r.onRead });
      if (rotation) await writeRotation(dir, rotation.after);
      return report;
    } finally {
      await guard.release();
    }
  } finally {
    await lock.release();
  }
}
