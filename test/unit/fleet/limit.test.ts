import { describe, expect, test } from 'vitest';
import { createLimiter } from '../../../provision/limit.ts';

/** A task the test finishes by hand, so ordering is decided by the test, not by timers. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createLimiter', () => {
  test.each([1, 2, 3, Infinity])('never runs more than %s tasks at once', async (n) => {
    const limit = createLimiter(n);
    let active = 0;
    let peak = 0;
    const gates = Array.from({ length: 7 }, deferred);
    const runs = gates.map((g) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await g.promise;
        active--;
      }),
    );
    await tick();
    expect(active).toBe(Math.min(n, 7));
    for (const g of gates) {
      g.resolve();
      await tick();
    }
    await Promise.all(runs);
    expect(peak).toBe(Math.min(n, 7));
  });

  test('starts waiting tasks in the order they were queued', async () => {
    const limit = createLimiter(1);
    const started: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limit(async () => { started.push(i); await tick(); })));
    expect(started).toEqual([0, 1, 2, 3]);
  });

  test('a task that throws (even synchronously) frees its slot and rejects only its own promise', async () => {
    const limit = createLimiter(1);
    const bad = limit(() => { throw new Error('boom'); });
    const good = limit(async () => 'fine');
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe('fine');
  });

  test.each([0, -1, NaN])('rejects a concurrency of %s', (n) => {
    expect(() => createLimiter(n)).toThrow(RangeError);
  });
});
