/**
 * Whether attaching an enrolled disk starts a run (`rotation.run_on_attach`): only when its
 * newest snapshot is older than `rotation.min_age`. A disk plugged back in after a night
 * away wants a snapshot; one unplugged and replugged an hour after its run does not. The
 * systemd unit starts the runtime on every attach; this pure rule decides, and the reason
 * goes to the journal either way.
 */

export interface AttachFacts {
  diskId: string;
  /** When the newest complete snapshot on this disk was taken; undefined: none known. */
  newestSnapshotAt: Date | undefined;
  now: Date;
  minAgeSeconds: number;
}

export interface AttachDecision {
  run: boolean;
  reason: string;
}

/** 75300 -> "20h55m"; 90 -> "1m30s": for the journal line, rounded to what a person reads. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}

export function decideRunOnAttach(f: AttachFacts): AttachDecision {
  const limit = formatAge(f.minAgeSeconds);
  if (f.newestSnapshotAt === undefined) {
    return { run: true, reason: `disk ${f.diskId} was attached and holds no snapshot known to this host: starting a run` };
  }
  const age = (f.now.getTime() - f.newestSnapshotAt.getTime()) / 1000;
  // A clock set back (or a snapshot stamped in the future) is no reason to skip a backup.
  if (age < 0) return { run: true, reason: `disk ${f.diskId} was attached; its newest snapshot is dated in the future (clock changed?): starting a run` };
  if (age >= f.minAgeSeconds) {
    return { run: true, reason: `disk ${f.diskId} was attached; its newest snapshot is ${formatAge(age)} old (min_age ${limit}): starting a run` };
  }
  return { run: false, reason: `disk ${f.diskId} was attached; its newest snapshot is only ${formatAge(age)} old (min_age ${limit}): no run` };
}
