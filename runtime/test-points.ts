/**
 * Crash injection for the kill -9 tests: when LINKDEST_TEST_KILL_AT names this point, the
 * whole process group (this run and its rsync) gets SIGKILL right here. The tests start
 * the CLI in its own process group. Unset in production, where this is a no-op.
 */
export function testPoint(name: string): void {
  if (process.env.LINKDEST_TEST_KILL_AT !== name) return;
  try {
    process.kill(0, 'SIGKILL');
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
}

type WalkHook = (src: string, dir: string) => void;
let walkHook: WalkHook | undefined;

/**
 * For in-process tests only (the engine's differential fuzzer): called before the pre-link
 * walk reads a source directory, so a test can make one vanish at exactly that moment.
 * Never set in production, where this is a no-op.
 */
export function setWalkHook(hook: WalkHook | undefined): void {
  walkHook = hook;
}

export function beforeWalkReads(src: string, dir: string): void {
  walkHook?.(src, dir);
}
