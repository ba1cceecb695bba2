/**
 * Which snapshot goes next, if any: RBME's rule (while free space or inodes are below the
 * threshold and more than keep_min complete snapshots remain, delete the oldest) plus
 * optional age thinning. Pure: prune.ts calls it after every deletion with fresh figures.
 * Pinned snapshots (runtime/pins.ts) stand outside the rotation: no rule deletes them,
 * keep_min counts only the others, and a threshold they keep from being met names them.
 * Suspect snapshots (the emptied-source guard) do not count for keep_min either, and while
 * the newest is suspect nothing is pruned at all (suspect-hold.ts).
 */
import { parseStamp } from './layout.ts';
import { suspectHold } from './suspect-hold.ts';

export interface Thresholds {
  minFreeBytes: number;
  minFreeInodes: number;
}

export interface RetentionPolicy {
  keepMin: number;
  thin?: { daily?: number; weekly?: number; monthly?: number };
}

export interface PruneInput {
  /** Complete snapshot names, any order. */
  complete: string[];
  /** Never deleted: the one being written, the link source. The newest is always kept too. */
  protect: string[];
  /** Pinned by the admin: never deleted, not counted for keep_min. */
  pinned?: string[];
  /** Flagged by the emptied-source guard (suspect.ts): not counted for keep_min; see suspectHold. */
  suspect?: string[];
  policy: RetentionPolicy;
  thresholds: Thresholds;
  freeBytes: number;
  freeInodes: number;
  /** Prune one more than the thresholds ask (the disk filled up mid-copy). */
  diskFull?: boolean;
}

export type PruneDecision =
  | { action: 'delete'; name: string; reason: 'thinning' | 'space' | 'inodes' | 'disk-full' }
  | { action: 'done' }
  | { action: 'unmet'; message: string };

const dayKey = (d: Date): string => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
const monthKey = (d: Date): string => `${d.getFullYear()}-${d.getMonth()}`;
function weekKey(d: Date): string {
  const monday = new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7));
  return dayKey(monday);
}

/** Snapshots no thinning rule keeps: the newest of each of the last N days/weeks/months stay. */
export function thinningVictims(sortedOldestFirst: string[], thin: NonNullable<RetentionPolicy['thin']>): string[] {
  const keep = new Set<string>();
  const rules: [number | undefined, (d: Date) => string][] = [[thin.daily, dayKey], [thin.weekly, weekKey], [thin.monthly, monthKey]];
  for (const [count, key] of rules) {
    if (count === undefined) continue;
    const seen = new Set<string>();
    for (const name of [...sortedOldestFirst].reverse()) {
      const k = key(parseStamp(name)!);
      if (seen.has(k)) continue;
      if (seen.size >= count) break;
      seen.add(k);
      keep.add(name);
    }
  }
  return sortedOldestFirst.filter((n) => !keep.has(n));
}

/**
 * Why a `thin` setting cannot be used, or undefined. Thinning keeps only what its counts
 * name, so `{}` or all counts 0 would make every snapshot a victim (down to keep_min),
 * while a user who writes that means "no thinning": refused wherever it is read.
 */
export function thinProblem(thin: RetentionPolicy['thin']): string | undefined {
  if (thin === undefined) return undefined;
  const counts = [thin.daily, thin.weekly, thin.monthly].filter((c) => c !== undefined);
  if (counts.length === 0) return 'expected at least one of daily, weekly, monthly (an empty thin would delete every snapshot down to keep_min; leave thin unset to keep everything)';
  if (counts.every((c) => c === 0)) return 'expected a count above 0 (all counts 0 would delete every snapshot down to keep_min; leave thin unset to keep everything)';
  return undefined;
}

export function decidePrune(input: PruneInput): PruneDecision {
  const sorted = input.complete.filter((n) => parseStamp(n)).sort();
  const newest = sorted[sorted.length - 1];
  const protect = new Set([...input.protect, ...(newest ? [newest] : [])]);
  const pinned = new Set((input.pinned ?? []).filter((n) => sorted.includes(n)));
  const unpinned = sorted.filter((n) => !pinned.has(n));
  const deletable = unpinned.filter((n) => !protect.has(n));
  const suspect = new Set(input.suspect ?? []);
  const counted = unpinned.filter((n) => !suspect.has(n));
  const atMin = counted.length <= input.policy.keepMin;
  const lowBytes = input.freeBytes < input.thresholds.minFreeBytes;
  const lowInodes = input.freeInodes < input.thresholds.minFreeInodes;
  const reason = input.diskFull ? 'disk-full' : lowBytes ? 'space' : lowInodes ? 'inodes' : undefined;
  const hold = suspectHold(sorted, suspect, Boolean(reason));
  if (hold) return hold;

  if (!atMin && input.policy.thin && !thinProblem(input.policy.thin)) {
    const victim = thinningVictims(sorted, input.policy.thin).find((n) => !protect.has(n) && !pinned.has(n));
    if (victim) return { action: 'delete', name: victim, reason: 'thinning' };
  }
  if (!reason) return { action: 'done' };
  const oldest = deletable[0];
  if (!atMin && oldest) return { action: 'delete', name: oldest, reason };
  const what = input.diskFull ? 'the disk is full'
    : [lowBytes && 'free space', lowInodes && 'free inodes'].filter(Boolean).join(' and ') + ' below the threshold';
  const besides = [pinned.size > 0 && 'the pinned', suspect.size > 0 && 'the suspect'].filter(Boolean).join(' and ');
  const why = atMin ? `only ${counted.length} complete snapshot(s) left${besides ? ` besides ${besides}` : ''}, keep_min is ${input.policy.keepMin}`
    : `every remaining snapshot is protected (newest, link source or being written)${pinned.size > 0 ? ' or pinned' : ''}`;
  // Pins that hold space: the newest and the protected ones would stay without their pin too.
  const holding = [...pinned].filter((n) => !protect.has(n));
  const pins = holding.length > 0 ? `; pinned, so never pruned until unpinned: ${holding.join(', ')}` : '';
  return { action: 'unmet', message: `${what}, but nothing more may be pruned: ${why}${pins}` };
}
