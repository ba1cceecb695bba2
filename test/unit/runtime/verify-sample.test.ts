/**
 * The sampled verify's rotation: which bucket a run reads and what it stores, from the
 * state the host kept; and buckets split inode numbers roughly evenly.
 */
import { describe, expect, test } from 'vitest';
import { bucketCount, bucketOf, nextSample } from '../../../runtime/verify/sample.ts';

describe('sampled verify rotation', () => {
  test.each([
    [5, 20], [25, 4], [30, 4], [100, 1], [0.5, 200],
  ])('sample %d %% -> %d buckets (every inode within that many runs)', (pct, n) => {
    expect(bucketCount(pct)).toBe(n);
  });

  test.each([
    ['no state yet', undefined, 4, 0, 1],
    ['next in the cycle', { buckets: 4, next: 2 }, 4, 2, 3],
    ['wraps around', { buckets: 4, next: 3 }, 4, 3, 0],
    ['sample changed: restart', { buckets: 20, next: 7 }, 4, 0, 1],
    ['damaged state: restart', { buckets: 4, next: 9 }, 4, 0, 1],
  ])('%s', (_n, state, buckets, bucket, next) => {
    expect(nextSample(state, buckets)).toEqual({ choice: { buckets, bucket }, after: { buckets, next } });
  });

  test('consecutive inode numbers spread over all buckets', () => {
    const counts = new Array<number>(20).fill(0);
    for (let i = 1000n; i < 3000n; i++) counts[bucketOf(i, 20)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(60);
  });
});
