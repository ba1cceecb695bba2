/**
 * The decisions behind the checks of a new snapshot, as tables: the spot check's "changed
 * during the run" and count tolerance, the emptied-source guard's shrink rule, the
 * link-ratio alarm, and what retention does with suspect snapshots.
 */
import { describe, expect, test } from 'vitest';
import { allowedCountDifference, changedDuringRun, countBreach } from '../../../runtime/spot-rules.ts';
import { shrinkFinding, type SourceSize } from '../../../runtime/shrink-rule.ts';
import { linkVerdict, type LinkFigures } from '../../../runtime/link-ratio.ts';
import { decidePrune, type PruneInput } from '../../../runtime/retention.ts';

describe('spot check: a file touched since the run started is no alarm', () => {
  const start = Date.parse('2026-12-03T02:00:00.400Z');
  const at = (iso: string): number => Date.parse(iso);
  test.each<[string, number, number, boolean]>([
    ['untouched for a day', at('2026-12-02T02:00:00Z'), at('2026-12-02T02:00:00Z'), false],
    ['written during the run', at('2026-12-03T02:00:05Z'), at('2026-12-03T02:00:05Z'), true],
    ['mtime set back by the writer (tar, rsync -t), ctime says now', at('2020-01-01T00:00:00Z'), at('2026-12-03T02:00:03Z'), true],
    ['ctime a few ms before Date.now() at the start (coarse kernel clock)', at('2026-12-01T00:00:00Z'), start - 5, true],
    ['whole-second filesystem: the start second itself', at('2026-12-01T00:00:00Z'), at('2026-12-03T02:00:00Z'), true],
    ['more than the slack before the start', at('2026-12-01T00:00:00Z'), at('2026-12-03T01:59:58Z'), false],
  ])('%s', (_t, mtimeMs, ctimeMs, want) => {
    expect(changedDuringRun({ mtimeMs, ctimeMs }, start)).toBe(want);
  });
});

describe('spot check: entry counts within the tolerance', () => {
  test.each<[string, number, number, number, string | undefined]>([
    ['equal', 1000, 1000, 2, undefined],
    ['within 2 % of 1000 (20)', 1020, 1000, 2, undefined],
    ['22 apart (allowance 21 of 1022): breach', 1022, 1000, 2, '/a: the source holds 1022 entries, the snapshot 1000 (2.2 % apart, tolerance 2 %)'],
    ['snapshot larger than the source counts the same way', 1000, 1100, 2, '/a: the source holds 1000 entries, the snapshot 1100 (9.1 % apart, tolerance 2 %)'],
    ['tolerance 0: exact', 11, 10, 0, '/a: the source holds 11 entries, the snapshot 10 (9.1 % apart, tolerance 0 %)'],
    ['small tree: the allowance rounds up to one entry', 11, 10, 2, undefined],
  ])('%s', (_t, source, snapshot, pct, want) => {
    expect(countBreach('/a', source, snapshot, pct)).toBe(want);
  });
  test('the allowance is of the larger count', () => {
    expect(allowedCountDifference(100, 4000, 1)).toBe(40);
  });
});

describe('emptied-source guard', () => {
  const MiB = 1024 ** 2;
  const prev: SourceSize = { files: 49_001, bytes: 800 * MiB };
  test.each<[string, SourceSize | undefined, SourceSize, number, RegExp | undefined]>([
    ['no baseline (first snapshot, or an old one without figures)', undefined, { files: 1, bytes: 0 }, 50, undefined],
    ['an empty directory where there was data', prev, { files: 1, bytes: 0 }, 50, /^\/srv: an empty directory where 2026-12-02_03-00-00 held 49000 entries \(800\.0 MiB\): is its disk or share not mounted\?$/],
    ['empty again, and it was empty: nothing shrank', { files: 1, bytes: 0 }, { files: 1, bytes: 0 }, 50, undefined],
    ['normal night: a few files more or less', prev, { files: 48_950, bytes: 790 * MiB }, 50, undefined],
    ['exactly the threshold is allowed', { files: 1000, bytes: 100 }, { files: 500, bytes: 50 }, 50, undefined],
    ['entries fell by 60 %', prev, { files: 19_600, bytes: 700 * MiB }, 50, /60 % fewer entries \(49001 -> 19600\); more than the 50 % allowed/],
    ['bytes fell by 90 % (a big file gone)', prev, { files: 49_000, bytes: 80 * MiB }, 50, /^\/srv: shrank against 2026-12-02_03-00-00: 90 % fewer bytes \(800\.0 MiB -> 80\.0 MiB\)/],
    ['both, a stricter threshold', prev, { files: 30_000, bytes: 500 * MiB }, 25, /39 % fewer entries.*38 % fewer bytes.*25 % allowed/],
    ['growth is never a finding', prev, { files: 99_000, bytes: 2000 * MiB }, 50, undefined],
  ])('%s', (_t, before, now, pct, want) => {
    const f = shrinkFinding('/srv', before, now, pct, '2026-12-02_03-00-00');
    if (want === undefined) expect(f).toBeUndefined();
    else expect(f).toMatch(want);
  });
});

describe('link-ratio alarm', () => {
  const normal = { prevRegular: 49_000, prevShare: 0.998 };
  test.each<[string, LinkFigures, boolean, number]>([
    ['first snapshot: nothing to compare with', { prevRegular: undefined, prevShare: undefined, regular: 49_000, fresh: 49_000 }, false, 1],
    ['normal incremental: 40 files changed', { ...normal, regular: 49_000, fresh: 40 }, false, 0.9992],
    ['touch or chown of the whole tree: 0 of 49,000 linked', { ...normal, regular: 49_000, fresh: 49_000 }, true, 0],
    ['second snapshot after the first (unknown share): whole tree re-copied', { prevRegular: 49_000, prevShare: undefined, regular: 49_000, fresh: 49_000 }, true, 0],
    ['10,000 new files, none re-copied: the source really changed', { ...normal, regular: 59_000, fresh: 10_000 }, false, 1],
    ['30,000 new files and the old ones re-copied', { ...normal, regular: 79_000, fresh: 79_000 }, true, 0],
    ['half re-copied is not yet "far fewer"', { ...normal, regular: 49_000, fresh: 24_500 }, false, 0.5],
    ['a source that churns every night (VM images): low share again is no news', { prevRegular: 200, prevShare: 0.1, regular: 200, fresh: 190 }, false, 0.05],
    ['a churning source that drops further still alarms', { prevRegular: 1000, prevShare: 0.3, regular: 1000, fresh: 950 }, true, 0.05],
    ['tiny source: 99 old files re-copied is no alarm', { prevRegular: 99, prevShare: 1, regular: 99, fresh: 99 }, false, 0],
    ['100 old files re-copied is', { prevRegular: 100, prevShare: 1, regular: 100, fresh: 100 }, true, 0],
    ['files deleted: growth is 0, fresh ones count as re-copied only up to the old count', { ...normal, regular: 1000, fresh: 5000 }, true, 0],
  ])('%s', (_t, f, alarm, share) => {
    const v = linkVerdict(f);
    expect(v.alarm).toBe(alarm);
    expect(v.share).toBeCloseTo(share, 4);
  });
});

describe('retention with suspect snapshots', () => {
  const G = 1024 ** 3;
  const days = (n: number): string[] => Array.from({ length: n }, (_, i) => `2026-11-${String(1 + i).padStart(2, '0')}_03-00-00`);
  const base: PruneInput = {
    complete: days(5), protect: [], policy: { keepMin: 2 },
    thresholds: { minFreeBytes: 10 * G, minFreeInodes: 1000 }, freeBytes: 50 * G, freeInodes: 5000,
  };
  const newest = days(5)[4]!;
  test.each<[string, Partial<PruneInput>, ReturnType<typeof decidePrune> | RegExp]>([
    ['newest suspect, space low: nothing is deleted, the hold is said',
      { suspect: [newest], freeBytes: 1 }, /^the newest snapshot 2026-11-05_03-00-00 is suspect .*linkdest accept HOST 2026-11-05_03-00-00\)$/],
    ['newest suspect, disk full mid-copy: nothing is deleted either', { suspect: [newest], diskFull: true }, /is suspect/],
    ['newest suspect, thresholds met: thinning waits too', { suspect: [newest], policy: { keepMin: 1, thin: { daily: 1 } } }, { action: 'done' }],
    ['an older suspect one, a good one newer: pruning resumes, oldest first', { suspect: [days(5)[2]!], freeBytes: 1 }, { action: 'delete', name: days(5)[0]!, reason: 'space' }],
    ['suspect ones do not count for keep_min', { suspect: days(5).slice(2, 4), policy: { keepMin: 3 }, freeBytes: 1 },
      /only 3 complete snapshot\(s\) left besides the suspect, keep_min is 3/],
    ['without suspect ones the same set would prune', { policy: { keepMin: 3 }, freeBytes: 1 }, { action: 'delete', name: days(5)[0]!, reason: 'space' }],
  ])('%s', (_t, over, want) => {
    const d = decidePrune({ ...base, ...over });
    if (want instanceof RegExp) {
      expect(d.action).toBe('unmet');
      expect(d.action === 'unmet' && d.message).toMatch(want);
    } else expect(d).toEqual(want);
  });
});
