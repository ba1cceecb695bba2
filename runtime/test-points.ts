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
