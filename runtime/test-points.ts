/**
 * Crash and pause injection for the tests. When LINKDEST_TEST_KILL_AT names this point, the
 * whole process group (this run and its rsync) gets SIGKILL right here; the tests start the
 * CLI in its own process group. When LINKDEST_TEST_PAUSE_AT names it, the process creates
 * `$LINKDEST_TEST_PAUSE_FILE.reached` and waits here while LINKDEST_TEST_PAUSE_FILE exists
 * (a second process can then race it). Unset in production, where this is a no-op.
 */
import { existsSync, writeFileSync } from 'node:fs';

export function testPoint(name: string): void {
  const pause = process.env.LINKDEST_TEST_PAUSE_FILE;
  if (pause && process.env.LINKDEST_TEST_PAUSE_AT === name) {
    writeFileSync(`${pause}.reached`, `${process.pid}\n`);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (existsSync(pause)) Atomics.wait(nap, 0, 0, 50);
  }
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

/** Whether a test set the walk hook: the walk then stays on the thread that has it. */
export function walkHookSet(): boolean {
  return walkHook !== undefined;
}
