/**
 * What retention does while the newest snapshot is suspect (its source shrank or came up
 * empty: shrink-rule.ts): nothing is deleted, neither for space or inodes nor by thinning,
 * and no threshold is a reason to. Deleting good old snapshots to make room while the
 * newest may be the copy of an unmounted disk is how a glitch becomes data loss. The hold
 * ends with a newer good snapshot (the source is back) or `linkdest accept` (ops/accept.ts).
 * Pure; decidePrune (retention.ts) asks it first.
 */
export type Hold = { action: 'done' } | { action: 'unmet'; message: string };

/** The hold's decision, or undefined when the newest snapshot is not suspect. `sorted` oldest first. */
export function suspectHold(sorted: readonly string[], suspect: ReadonlySet<string>, thresholdsUnmet: boolean): Hold | undefined {
  const newest = sorted[sorted.length - 1];
  if (newest === undefined || !suspect.has(newest)) return undefined;
  if (!thresholdsUnmet) return { action: 'done' };
  return {
    action: 'unmet',
    message: `the newest snapshot ${newest} is suspect (a source shrank or came up empty), so nothing is pruned until a normal snapshot follows or it is accepted (linkdest accept HOST ${newest})`,
  };
}
