import { describe, expect, test } from 'vitest';
import { decideRunOnAttach, formatAge, type AttachFacts } from '../../../runtime/disks/attach-decision.ts';

const now = new Date('2026-12-03T20:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const base: AttachFacts = { diskId: 'A', newestSnapshotAt: hoursAgo(30), now, minAgeSeconds: 20 * 3600 };

describe('run on attach: only when the disk\'s newest snapshot is older than min_age', () => {
  test.each<[string, Partial<AttachFacts>, boolean, RegExp]>([
    ['30h old, min_age 20h: a run', {}, true, /newest snapshot is 1d6h old \(min_age 20h0m\): starting a run/],
    ['3h old: no run', { newestSnapshotAt: hoursAgo(3) }, false, /only 3h0m old \(min_age 20h0m\): no run/],
    ['exactly min_age old: a run', { newestSnapshotAt: hoursAgo(20) }, true, /starting a run/],
    ['a second short of min_age: no run', { newestSnapshotAt: new Date(hoursAgo(20).getTime() + 1000) }, false, /no run/],
    ['no snapshot on the disk yet: a run', { newestSnapshotAt: undefined }, true, /holds no snapshot known to this host: starting a run/],
    ['newest snapshot in the future (clock set back): a run', { newestSnapshotAt: hoursAgo(-2) }, true, /dated in the future/],
    ['min_age 0: every attach runs', { newestSnapshotAt: now, minAgeSeconds: 0 }, true, /starting a run/],
    ['min_age of seconds (tests): 90 s old runs', { newestSnapshotAt: new Date(now.getTime() - 90_000), minAgeSeconds: 60 }, true, /1m30s old \(min_age 1m0s\)/],
  ])('%s', (_t, over, run, reason) => {
    const d = decideRunOnAttach({ ...base, ...over });
    expect(d.run).toBe(run);
    expect(d.reason).toMatch(reason);
    expect(d.reason).toMatch(/^disk A was attached/);
  });

  test.each<[number, string]>([[0, '0s'], [59, '59s'], [60, '1m0s'], [3600, '1h0m'], [75_300, '20h55m'], [14 * 86_400, '14d0h']])('formatAge(%i) = %s', (s, want) => {
    expect(formatAge(s)).toBe(want);
  });
});
