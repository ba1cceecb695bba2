import { describe, expect, test } from 'vitest';
import { decidePrune, thinProblem, thinningVictims, type PruneInput } from '../../../runtime/retention.ts';
import { runtimeConfigSchema } from '../../../runtime/config.ts';

const G = 1024 ** 3;
const days = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `2026-11-${String(from + i).padStart(2, '0')}_03-00-00`);
const base: PruneInput = {
  complete: days(5), protect: [], policy: { keepMin: 2 },
  thresholds: { minFreeBytes: 10 * G, minFreeInodes: 1000 }, freeBytes: 50 * G, freeInodes: 5000,
};

describe('decidePrune', () => {
  test.each<[string, Partial<PruneInput>, ReturnType<typeof decidePrune>]>([
    ['enough space and inodes: nothing goes', {}, { action: 'done' }],
    ['low space: the oldest goes', { freeBytes: 1 * G }, { action: 'delete', name: '2026-11-01_03-00-00', reason: 'space' }],
    ['low inodes: the oldest goes', { freeInodes: 10 }, { action: 'delete', name: '2026-11-01_03-00-00', reason: 'inodes' }],
    ['input order does not matter', { freeBytes: 1, complete: [...days(5)].reverse() }, { action: 'delete', name: '2026-11-01_03-00-00', reason: 'space' }],
    ['the link source is skipped, the next oldest goes', { freeBytes: 1, protect: ['2026-11-01_03-00-00'] }, { action: 'delete', name: '2026-11-02_03-00-00', reason: 'space' }],
    ['disk full mid-copy: one more goes although thresholds are met', { diskFull: true }, { action: 'delete', name: '2026-11-01_03-00-00', reason: 'disk-full' }],
    ['non-snapshot names are ignored', { freeBytes: 1, complete: ['junk', ...days(3)] }, { action: 'delete', name: '2026-11-01_03-00-00', reason: 'space' }],
    ['thin: {} (refused at load) thins nothing, as unset does', { policy: { keepMin: 2, thin: {} } }, { action: 'done' }],
    ['thin with all counts 0 (refused at load) thins nothing', { policy: { keepMin: 2, thin: { daily: 0, weekly: 0, monthly: 0 } } }, { action: 'done' }],
    ['thin daily 0 + weekly 1: the weekly rule still thins', { policy: { keepMin: 2, thin: { daily: 0, weekly: 1 } } }, { action: 'delete', name: '2026-11-01_03-00-00', reason: 'thinning' }],
  ])('%s', (_t, over, want) => {
    expect(decidePrune({ ...base, ...over })).toEqual(want);
  });

  test.each<[string, Partial<PruneInput>, RegExp]>([
    ['at keep_min: thresholds unmet is reported', { freeBytes: 1, complete: days(2) }, /free space below the threshold.*keep_min is 2/],
    ['both low at keep_min', { freeBytes: 1, freeInodes: 1, complete: days(2) }, /free space and free inodes/],
    ['only the newest left, keep_min 0: the newest is never deleted', { freeBytes: 1, complete: days(1), policy: { keepMin: 0 } }, /protected/],
    ['everything else protected', { freeBytes: 1, complete: days(3), protect: days(2), policy: { keepMin: 0 } }, /protected/],
    ['disk full at keep_min', { diskFull: true, complete: days(2) }, /the disk is full/],
  ])('%s', (_t, over, want) => {
    const d = decidePrune({ ...base, ...over });
    expect(d.action).toBe('unmet');
    expect(d.action === 'unmet' && d.message).toMatch(want);
  });

  test('thinning removes what no rule keeps, oldest first, and respects keep_min', () => {
    const thin = { daily: 2 };
    expect(decidePrune({ ...base, policy: { keepMin: 2, thin } })).toEqual({ action: 'delete', name: '2026-11-01_03-00-00', reason: 'thinning' });
    expect(decidePrune({ ...base, complete: days(2), policy: { keepMin: 2, thin } })).toEqual({ action: 'done' });
  });
});

describe('decidePrune with pinned snapshots', () => {
  const [d1, d2, d3, d4, d5] = days(5) as [string, string, string, string, string];
  test.each<[string, Partial<PruneInput>, ReturnType<typeof decidePrune>]>([
    ['low space: a pinned oldest stays, the next oldest goes', { freeBytes: 1, pinned: [d1] }, { action: 'delete', name: d2, reason: 'space' }],
    ['low inodes: pins are skipped wherever they are', { freeInodes: 1, pinned: [d1, d2, d4], policy: { keepMin: 1 } }, { action: 'delete', name: d3, reason: 'inodes' }],
    ['disk full mid-copy: a pin is not the extra one', { diskFull: true, pinned: [d1] }, { action: 'delete', name: d2, reason: 'disk-full' }],
    ['thinning: a pinned victim stays, the next victim goes', { pinned: [d1, d2], policy: { keepMin: 1, thin: { daily: 2 } } }, { action: 'delete', name: d3, reason: 'thinning' }],
    ['thinning: only pinned victims left, nothing goes', { pinned: [d1, d2, d3], policy: { keepMin: 1, thin: { daily: 2 } } }, { action: 'done' }],
    ['keep_min counts the unpinned: 3 unpinned above keep_min 2, one goes', { freeBytes: 1, pinned: [d1, d2] }, { action: 'delete', name: d3, reason: 'space' }],
    ['a pin of a snapshot that is not there changes nothing', { freeBytes: 1, pinned: ['2026-10-01_03-00-00'] }, { action: 'delete', name: d1, reason: 'space' }],
    ['enough space: pins change nothing', { pinned: [d1] }, { action: 'done' }],
  ])('%s', (_t, over, want) => {
    expect(decidePrune({ ...base, ...over })).toEqual(want);
  });

  test.each<[string, Partial<PruneInput>, string]>([
    ['keep_min reached besides the pins: the pins are named', { freeBytes: 1, pinned: [d1, d2, d3] },
      `free space below the threshold, but nothing more may be pruned: only 2 complete snapshot(s) left besides the pinned, keep_min is 2; pinned, so never pruned until unpinned: ${d1}, ${d2}, ${d3}`],
    ['everything else protected or pinned', { freeInodes: 1, complete: days(3), pinned: [d1], protect: [d2], policy: { keepMin: 0 } },
      `free inodes below the threshold, but nothing more may be pruned: every remaining snapshot is protected (newest, link source or being written) or pinned; pinned, so never pruned until unpinned: ${d1}`],
    ['a pinned newest is not what holds the space: not named', { freeBytes: 1, complete: days(2), pinned: [d2], policy: { keepMin: 1 } },
      'free space below the threshold, but nothing more may be pruned: only 1 complete snapshot(s) left besides the pinned, keep_min is 1'],
    ['no pins: the message is as before', { freeBytes: 1, complete: [d4, d5] },
      'free space below the threshold, but nothing more may be pruned: only 2 complete snapshot(s) left, keep_min is 2'],
  ])('unmet: %s', (_t, over, want) => {
    expect(decidePrune({ ...base, ...over })).toEqual({ action: 'unmet', message: want });
  });
});

describe('thinningVictims', () => {
  test.each<[string, string[], Parameters<typeof thinningVictims>[1], string[]]>([
    ['daily 2 keeps the newest of the last two days', ['2026-11-01_03-00-00', '2026-11-02_03-00-00', '2026-11-03_03-00-00'], { daily: 2 }, ['2026-11-01_03-00-00']],
    ['two snapshots on one day: only the newer counts for that day', ['2026-11-02_03-00-00', '2026-11-02_15-00-00', '2026-11-03_03-00-00'], { daily: 2 }, ['2026-11-02_03-00-00']],
    ['equal timestamps in different sets do not collide (same name kept once)', ['2026-11-03_03-00-00', '2026-11-03_03-00-00'], { daily: 1 }, []],
    ['weekly keeps one per ISO week (Mon-Sun)', ['2026-11-02_03-00-00', '2026-11-08_03-00-00', '2026-11-09_03-00-00'], { weekly: 2 }, ['2026-11-02_03-00-00']],
    ['monthly 1 + daily 1', ['2026-10-31_03-00-00', '2026-11-01_03-00-00', '2026-11-02_03-00-00'], { daily: 1, monthly: 2 }, ['2026-11-01_03-00-00']],
  ])('%s', (_t, names, thin, want) => {
    expect(thinningVictims(names, thin)).toEqual(want);
  });
});

describe('thinProblem: a thin that would delete everything is refused', () => {
  test.each<[string, Parameters<typeof thinProblem>[0], RegExp | undefined]>([
    ['unset', undefined, undefined],
    ['empty', {}, /expected at least one of daily, weekly, monthly/],
    ['daily 0', { daily: 0 }, /expected a count above 0/],
    ['all 0', { daily: 0, weekly: 0, monthly: 0 }, /expected a count above 0/],
    ['daily 0, monthly 3', { daily: 0, monthly: 3 }, undefined],
    ['daily 7', { daily: 7 }, undefined],
  ])('%s', (_t, thin, want) => {
    const problem = thinProblem(thin);
    if (want === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(want);
  });

  test.each([[{}], [{ daily: 0, weekly: 0 }]])('the runtime config schema refuses thin: %j', (thin) => {
    const r = runtimeConfigSchema.safeParse({ destination: { path: '/mnt/Backup' }, sources: [{ path: '/a' }], retention: { thin } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['retention', 'thin'] });
  });
});
