/**
 * Waiting for something the system does asynchronously (a mount appearing, a device node
 * created by udev, a VM reaching "shut off"): poll with a deadline, never a fixed sleep.
 */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `check` until it returns a value other than undefined, or until `timeoutMs` passed
 * (then returns undefined). `check` runs at least once, and once more at the deadline.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(intervalMs, left));
  }
}
