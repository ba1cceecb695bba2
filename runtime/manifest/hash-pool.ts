/**
 * Hashing the manifest's files on every core, results in walk order, in bounded memory.
 *
 * The manifest's walk (write.ts) hands each file either with its hash already known (taken
 * from the previous manifest) or as a path to read; `onResult` gets them back in exactly the
 * order they were added, so the manifest's lines stay in walk order. A first snapshot reads
 * every byte the copy wrote (measured: 5.8 s of a loaded run for 50,000 files, one core);
 * here the reads and SHA-256 run in worker threads while the main thread walks, formats and
 * compresses. Files go in batches (a message per file costs more than a small file's hash),
 * and at most `threads * BATCHES_PER_THREAD` batches wait for delivery, finished or not (one
 * huge file holds back the batches behind it): `known` and `hash` return a promise to wait
 * on when that window is full, so a million files never pile up in memory.
 *
 * The first INLINE_FILES files to read (up to INLINE_BYTES) are hashed on the main thread,
 * synchronously: an incremental run reads a few hundred changed files, a few MiB, which
 * take less than two workers' start-up. Measured on the 50,000-file incremental (750
 * changed files, 6 MiB): with workers from the 513th file on, the main thread sat idle
 * about 115 ms waiting for them (node --cpu-prof); inline, those files cost about 25 ms.
 * Workers start only past that (a first snapshot, a large change).
 *
 * The runtime is one bundled file with no node_modules on the host, so the worker's code is
 * a self-contained function whose source is handed to `new Worker(..., { eval: true })`:
 * it must use nothing but what it `require`s itself.
 */
import { cores } from '../cores.ts';
import { Worker } from 'node:worker_threads';
import { FileHasher, HASH_ALGORITHM, OPEN_FLAGS, type OpenFacts } from './hash.ts';

/** A file's hash (with its facts from the open file when it was read), or why it could not be read (an errno code such as EACCES). */
export type HashResult = { hash: string; st?: OpenFacts; error?: undefined } | { hash?: undefined; error: string };

const BATCH_FILES = 64;
const BATCH_BYTES = 4 << 20;
const BATCHES_PER_THREAD = 4;
export const INLINE_FILES = 2048;
export const INLINE_BYTES = 32 << 20;

interface Item<T> { tag: T; path?: string | Buffer; result?: HashResult }
interface Batch<T> { items: Item<T>[]; bytes: number; done: boolean; waiting: number }
/** Per path: hash, bytes read and the open file's facts; or an errno code; or, for a large file in a batch of several, its size, unread (`null`). */
interface Reply { id: number; results: ([string, number, bigint, bigint, bigint, bigint] | [undefined, string] | [null, number])[] }

/** The worker: hash each path of a batch with one reused buffer, reply with hashes or errno codes. */
function hashWorker(require: NodeJS.Require): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const fs = require('node:fs') as typeof import('node:fs');
  const { algorithm, flags, split } = workerData as { algorithm: string; flags: number; split: number };
  const buf = Buffer.allocUnsafe(1 << 20);
  parentPort!.on('message', (m: { id: number; paths: (string | Uint8Array)[] }) => {
    const alone = m.paths.length === 1;
    const results = m.paths.map((p) => {
      let fd = -1;
      try {
        fd = fs.openSync(typeof p === 'string' ? p : Buffer.from(p), flags);
        const st = fs.fstatSync(fd, { bigint: true });
        if (!alone && st.size > BigInt(split)) return [null, Number(st.size)];
        const h = createHash(algorithm);
        let bytes = 0;
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; bytes += n) h.update(buf.subarray(0, n));
        return [h.digest('hex'), bytes, st.size, st.mtimeNs, st.ino, st.nlink];
      } catch (e) {
        return [undefined, (e as NodeJS.ErrnoException).code ?? (e as Error).message];
      } finally {
        if (fd >= 0) fs.closeSync(fd);
      }
    });
    parentPort!.postMessage({ id: m.id, results });
  });
}
const WORKER_SOURCE = `(${hashWorker.toString()})(require)`;

export class HashPool<T> {
  /** Files read and hashed so far, on any thread, and their bytes (the manifest's cost). */
  files = 0;
  private workerBytes = 0;
  /** Bytes the walk said the inline files hold (sizes at its lstat). */
  private inlineBytes = 0;
  private closing = false;
  private readonly inline = new FileHasher();
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly order: Batch<T>[] = [];
  private readonly sent = new Map<number, { b: Batch<T>; items: Item<T>[] }>();
  private open: Batch<T> = { items: [], bytes: 0, done: false, waiting: 0 };
  private nextId = 0;
  private readonly window: number;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  /** `threads` defaults to the machine's cores; `onResult` sees every added item once, in order. */
  constructor(private readonly onResult: (tag: T, r: HashResult) => void, private readonly threads = cores()) {
    this.window = threads * BATCHES_PER_THREAD;
  }

  get bytes(): number { return this.inline.bytes + this.workerBytes; }

  /** An entry whose hash is known: it keeps its place in the order. */
  known(tag: T, hash: string): Promise<void> | undefined {
    return this.push({ tag, result: { hash } }, 0);
  }

  /**
   * A file to read and hash. `size` from the walk sizes the batches; undefined for a file
   * not statted (its facts come back with the hash, `HashResult.st`): it is opened to learn
   * its size before it is hashed inline.
   */
  hash(tag: T, path: string | Buffer, size: number | undefined): Promise<void> | undefined {
    if (this.files < INLINE_FILES && this.inlineBytes + (size ?? 0) <= INLINE_BYTES && this.workers.length === 0) {
      let result: HashResult | undefined;
      try {
        const r = this.inline.hash(path, INLINE_BYTES - this.inlineBytes);
        if (r) {
          this.inlineBytes += r.bytes;
          result = { hash: r.hash, st: r.st };
        }
      } catch (e) {
        result = { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
      }
      if (result) {
        if (!result.error) this.files++;
        return this.push({ tag, result }, 0);
      }
    }
    this.files++;
    return this.push({ tag, path }, size ?? 0);
  }

  private push(item: Item<T>, size: number): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    // Nothing queued before it: an item with its result goes straight out, no batch.
    if (item.result && this.order.length === 0 && this.open.items.length === 0) {
      this.onResult(item.tag, item.result);
      return undefined;
    }
    this.open.items.push(item);
    this.open.bytes += size;
    if (this.open.items.length >= BATCH_FILES || this.open.bytes >= BATCH_BYTES) this.seal();
    return this.order.length >= this.window ? this.waitForRoom() : undefined;
  }

  /** Closes the open batch: sent to the least busy worker, or done at once when it reads nothing. */
  private seal(): void {
    const b = this.open;
    if (b.items.length === 0) return;
    this.open = { items: [], bytes: 0, done: false, waiting: 0 };
    this.order.push(b);
    const items = b.items.filter((i) => !i.result);
    if (items.length === 0) { b.done = true; this.deliver(); return; }
    b.waiting = items.length;
    this.send(b, items);
  }

  private send(b: Batch<T>, items: Item<T>[]): void {
    const id = this.nextId++;
    this.sent.set(id, { b, items });
    const slot = this.worker();
    slot.busy++;
    slot.w.postMessage({ id, paths: items.map((i) => i.path!) });
  }

  private worker(): { w: Worker; busy: number } {
    if (this.workers.length < this.threads) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithm: HASH_ALGORITHM, flags: OPEN_FLAGS, split: BATCH_BYTES } });
      const slot = { w, busy: 0 };
      w.on('message', (m: Reply) => { slot.busy--; this.finished(m); });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => { if (!this.closing) this.fail(new Error(`a hashing thread exited (code ${code})`)); });
      this.workers.push(slot);
      return slot;
    }
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private finished(m: Reply): void {
    const { b, items } = this.sent.get(m.id)!;
    this.sent.delete(m.id);
    items.forEach((item, k) => {
      const r = m.results[k]!;
      // A large file among others (a file not statted has no size to batch it by): on its
      // own now, to the least busy thread, so two large files are read at once.
      if (r[0] === null) { this.send(b, [item]); return; }
      b.waiting--;
      if (r[0] === undefined) { this.files--; item.result = { error: r[1] }; } else {
        this.workerBytes += r[1];
        item.result = { hash: r[0], st: { size: r[2], mtimeNs: r[3], ino: r[4], nlink: r[5] } };
      }
    });
    if (b.waiting === 0) b.done = true;
    this.deliver();
  }

  /** Hands every finished batch at the head of the order to `onResult`. */
  private deliver(): void {
    while (this.order.length > 0 && this.order[0]!.done) {
      for (const item of this.order.shift()!.items) this.onResult(item.tag, item.result!);
    }
    this.wake?.();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake?.();
  }

  private waitForRoom(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.wake = () => {
        if (this.failure) { this.wake = undefined; reject(this.failure); } else if (this.order.length < this.window) { this.wake = undefined; resolve(); }
      };
    });
  }

  /** Every added item delivered. */
  async drain(): Promise<void> {
    this.seal();
    while (this.order.length > 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.splice(0).map((s) => s.w.terminate()));
  }
}
