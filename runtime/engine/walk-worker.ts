/**
 * The pre-link walk's second thread. The walk is syscalls in a loop (lstat, link, mkdir,
 * readdir: kernel time, node --cpu-prof), one core's worth; a worker thread walks half of
 * the source's subtrees on the other core.
 *
 * The runtime is one bundled file, so the worker runs that same file: it is started on this
 * module's own URL (in the bundle, the bundle; from source, this file), and the check at the
 * bottom makes the copy loaded in the worker serve the walk (runtime/cli.ts does nothing
 * off the main thread). Where a worker cannot load this module (a test runner that
 * transforms TypeScript itself), it fails to start and the main thread walks everything.
 *
 * The subtrees are shared out through a counter in shared memory: each thread takes the next
 * one when it has finished its last, so neither waits for the other, whatever the shape of
 * the tree. A second cell tells the worker to stop (the run received SIGTERM).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { emptyWalkResult, walkDir, type WalkContext, type WalkResult } from './walk-dir.ts';

/** The shared cells: the next subtree to take, the stop flag, subtrees the worker took. */
export const NEXT = 0;
export const STOP = 1;
const WORKER_TOOK = 2;
export const CONTROL_CELLS = 3;

interface WorkerInput {
  linkdestPrelinkWalk: true;
  ctx: WalkContext;
  subtrees: string[];
  control: SharedArrayBuffer;
}

type WorkerMessage = { result: WalkResult } | { error: { message: string; code?: string } };

/** The worker's share: subtrees taken through the shared counter until none are left. */
function walkSubtrees(ctx: WalkContext, subtrees: string[], control: Int32Array, r: WalkResult): void {
  for (;;) {
    if (Atomics.load(control, STOP) !== 0) return;
    const i = Atomics.add(control, NEXT, 1);
    if (i >= subtrees.length) return;
    Atomics.add(control, WORKER_TOOK, 1);
    const stack = [subtrees[i]!];
    while (stack.length > 0 && Atomics.load(control, STOP) === 0) walkDir(ctx, stack.pop()!, r, (d) => stack.push(d));
  }
}

export interface WalkWorker {
  /** The worker's result; rejects with the worker's error (its `code` kept, e.g. ENOSPC). */
  result: Promise<WalkResult>;
  /** Ends the worker; only when it cannot hold a subtree (all were taken by the main thread). */
  stop: () => void;
}

/** Starts the worker; undefined when none can be started here. */
export function startWalkWorker(ctx: WalkContext, subtrees: string[], control: SharedArrayBuffer): WalkWorker | undefined {
  let worker: Worker;
  try {
    const input: WorkerInput = { linkdestPrelinkWalk: true, ctx, subtrees, control };
    // stdout/stderr are not the run's: nothing the worker would print is for the user.
    worker = new Worker(new URL(import.meta.url), { workerData: input, stdout: true, stderr: true });
  } catch {
    return undefined;
  }
  const result = new Promise<WalkResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      settled = true;
      if ('result' in m) { resolve(m.result); return; }
      reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    });
    // A worker that failed to load took no subtree, and the main thread walks them all; one
    // that died after taking one leaves a hole in the walk, which fails the copy.
    const died = (e?: Error): void => {
      if (settled) return;
      settled = true;
      if (Atomics.load(new Int32Array(control), WORKER_TOOK) === 0) resolve(emptyWalkResult());
      else reject(new Error(`the pre-link walk's worker thread stopped${e ? `: ${e.message}` : ''}`));
    };
    worker.on('error', died);
    worker.on('exit', () => died());
  });
  // Awaited only when the worker took a subtree; its failure is not "unhandled" otherwise.
  result.catch(() => undefined);
  return { result, stop: () => { void worker.terminate(); } };
}

function serve(input: WorkerInput): void {
  let m: WorkerMessage;
  try {
    const r = emptyWalkResult();
    walkSubtrees(input.ctx, input.subtrees, new Int32Array(input.control), r);
    m = { result: r };
  } catch (e) {
    m = { error: { message: (e as Error).message, code: (e as NodeJS.ErrnoException).code } };
  }
  parentPort!.postMessage(m);
}

if (!isMainThread && (workerData as Partial<WorkerInput> | undefined)?.linkdestPrelinkWalk === true) serve(workerData as WorkerInput);
