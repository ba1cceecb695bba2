/**
 * A promise limiter: at most `concurrency` tasks run at once, the rest wait in FIFO order.
 * `--forks N` of plan/apply goes through this; Infinity means all at once (runFleet defaults to DEFAULT_FORKS).
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number = Infinity): Limiter {
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
  let active = 0;
  const waiting: (() => void)[] = [];

  const release = (): void => {
    active--;
    const next = waiting.shift();
    if (next) next();
  };

  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++;
        // A task that throws synchronously must still free its slot.
        Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(release);
      };
      if (active < concurrency) start();
      else waiting.push(start);
    });
}
