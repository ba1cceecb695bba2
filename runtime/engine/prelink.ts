/**
 * The pre-link pass: walk the source, and for every regular file the previous snapshot
 * holds unchanged (fast-path.ts `unchanged`), hard-link it into the new tree. Everything
 * else is collected for rsync, which then only has to look at those entries instead of
 * re-checking every file: directories (their attributes), new or changed files, symlinks,
 * devices, and, apart, multiply-linked files, which rsync copies in the same pass as the
 * new directories so that -H sees every member of a hard-link group at once.
 *
 * Only directories that the previous snapshot holds as directories are descended into:
 * the previous snapshot already reflects excludes and --one-file-system (same engine key),
 * so rsync's own filter rules decide about everything new. Inner sources (nested-sources.ts)
 * are not descended into either: their contents are theirs. One directory's step is
 * walk-dir.ts's.
 *
 * On a machine with more than one core the walk runs on two threads (walk-worker.ts): the
 * main thread walks the first levels until there are enough subtrees to share, then both
 * threads take subtrees until none are left.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { cores } from '../cores.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { emptyWalkResult, mergeWalkResults, walkDir, type WalkContext, type WalkResult } from './walk-dir.ts';
import { CONTROL_CELLS, NEXT, STOP, startWalkWorker } from './walk-worker.ts';
import { testPoint, walkHookSet } from '../test-points.ts';

export type { ListedPath } from './walk-dir.ts';

export interface PrelinkInput {
  src: string;
  prev: string;
  dest: string;
  /** Previous snapshot's start, ms since epoch. */
  prevStartedMs: number;
  oneFileSystem: boolean;
  compareOwner: boolean;
  /** Inner sources, relative to this one: their directory is listed, never descended. */
  skip?: string[];
  /** The run's stop (SIGTERM): the walk ends at the next directory, its result incomplete. */
  signal?: AbortSignal;
}

export interface PrelinkResult extends Omit<WalkResult, 'vanishedDirs'> {
  /** Threads that walked: 2 when the worker took part (walk-worker.ts), else 1. */
  threads: number;
}

/** Subtrees to share out before both threads walk: enough that one thread's last one is short. */
const SHARE = 64;
/** Directories the main thread walks between two turns of the event loop (signals, the worker's messages). */
const PER_TURN = 64;

/**
 * Synchronous syscalls on purpose: measured here, the thread-pool round trip per lstat/link
 * made the async walk slower than rsync itself; plain syscalls in a loop cost what `cp -al`
 * costs. The main thread yields to the event loop between directories so signals are
 * still handled.
 */
export async function prelink(input: PrelinkInput): Promise<PrelinkResult> {
  const rootDev = lstatSync(input.src, { bigint: true }).dev;
  const ctx: WalkContext = {
    src: input.src, prev: input.prev, dest: input.dest,
    prevStartNs: BigInt(Math.floor(input.prevStartedMs)) * 1_000_000n,
    rootDev: input.oneFileSystem ? rootDev : undefined,
    compareOwner: input.compareOwner, skip: input.skip ?? [],
  };
  const r = emptyWalkResult();
  r.dirs.push('.');
  mkdirSync(input.dest, { recursive: true });
  const control = new SharedArrayBuffer(CONTROL_CELLS * 4);
  const cells = new Int32Array(control);
  const stopped = (): boolean => {
    if (input.signal?.aborted) Atomics.store(cells, STOP, 1);
    return Atomics.load(cells, STOP) !== 0;
  };
  // The first levels, breadth first, on this thread, until there are subtrees to share.
  const queue: string[] = ['.'];
  let head = 0;
  let sinceYield = 0;
  while (head < queue.length && queue.length - head < SHARE && !stopped()) {
    walkDir(ctx, queue[head++]!, r, (d) => queue.push(d));
    if (++sinceYield >= PER_TURN) { sinceYield = 0; await nextTurn(); }
  }
  const subtrees = queue.slice(head);
  testPoint('prelink-shared');
  await nextTurn();
  // The fuzzer's walk hook lives in this thread only: with it set, one thread walks.
  const worker = !stopped() && subtrees.length > 1 && cores() > 1 && !walkHookSet() ? startWalkWorker(ctx, subtrees, control) : undefined;
  if (worker) testPoint('prelink-worker-started');
  let mainTook = 0;
  try {
    // Then subtrees taken one at a time, as the worker does, yielding every PER_TURN directories.
    const stack: string[] = [];
    for (;;) {
      if (stack.length === 0) {
        if (stopped()) break;
        const i = Atomics.add(cells, NEXT, 1);
        if (i >= subtrees.length) break;
        mainTook++;
        stack.push(subtrees[i]!);
      }
      walkDir(ctx, stack.pop()!, r, (d) => stack.push(d));
      if (++sinceYield >= PER_TURN) {
        sinceYield = 0;
        await nextTurn();
        if (stopped()) break;
      }
    }
  } catch (e) {
    // The worker stops at its next directory; its own result no longer matters.
    Atomics.store(cells, STOP, 1);
    throw e;
  }
  let threads = 1;
  if (worker) {
    if (mainTook === subtrees.length) worker.stop();
    else { mergeWalkResults(r, await worker.result); threads = 2; }
  }
  const gone = new Set(r.vanishedDirs);
  const { vanishedDirs: _, ...rest } = r;
  const out: PrelinkResult = { ...rest, threads };
  if (gone.size > 0) out.dirs = out.dirs.filter((d) => typeof d !== 'string' || !gone.has(d));
  return out;
}
