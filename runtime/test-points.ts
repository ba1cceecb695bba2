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

type StatHook = (path: string | Buffer) => void;
let statHook: StatHook | undefined;

/**
 * For in-process tests only: called before the manifest's walk stats a file of the new
 * snapshot, so a test can count which files were looked at. A no-op in production.
 */
export function setManifestStatHook(hook: StatHook | undefined): void {
  statHook = hook;
}

export function beforeManifestStat(path: string | Buffer): void {
  statHook?.(path);
}

type Pause = () => Promise<void>;
let beforeRsyncHook: Pause | undefined;
let mergeAheadHook: ((why: string) => void) | undefined;
let mergeAheadLimit: number | undefined;

/**
 * For in-process tests only: awaited before a copy's rsync passes start, after its pre-link
 * pass, so a test can let the manifest's merge ahead (manifest/ahead.ts) reach its end first;
 * told why that merge stopped ('walked', 'copied', 'held'); and a lower cap on the lines it
 * holds. No-ops in production.
 */
export function setMergeAheadHooks(h: { beforeRsync?: Pause; stopped?: (why: string) => void; limit?: number } | undefined): void {
  beforeRsyncHook = h?.beforeRsync;
  mergeAheadHook = h?.stopped;
  mergeAheadLimit = h?.limit;
}

export function beforeRsync(): Promise<void> | undefined {
  return beforeRsyncHook?.();
}

export function mergeAheadStopped(why: string): void {
  mergeAheadHook?.(why);
}

export function mergeAheadLines(normal: number): number {
  return mergeAheadLimit ?? normal;
}
