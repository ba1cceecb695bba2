/**
 * Writing a new snapshot's manifest before its commit rename. The walk of the new tree is
 * merged, in one ordered pass, with the previous snapshot's manifest. A file the pre-link
 * pass linked (coverage.ts) takes its whole line from there, unread and not even statted;
 * any other file that is still the previous snapshot's inode (rsync --link-dest: same path,
 * inode, size and mtime) takes its hash from there unread; only the rest is read and hashed.
 * So the cost follows what changed, bar the walk's readdirs. Memory stays bounded: neither
 * manifest is held.
 *
 * The merge may start while rsync still runs (`speculate`, snapshot.ts): what the pre-link
 * pass linked is final by then, so its lines are merged ahead, and what rsync may still be
 * writing is held in order, with the previous manifest's lines at and under its path, to be
 * looked at once rsync has exited (`finish`). On the 50,000-file incremental that moves
 * nearly all of the merge under rsync; the run then waits only for the changed files.
 */
import { join } from 'node:path';
import { atOrUnder, SNAPSHOT_OWN_FILES } from '../layout.ts';
import type { Logger } from '../logger.ts';
import { mergeAheadLines, mergeAheadStopped } from '../test-points.ts';
import { comparePaths, comparePathTexts, encodePath, entryLine, headerLine, linePath, MANIFEST_FILE, parseEntry, parseLine, type ManifestEntry, type ManifestLine } from './format.ts';
import { BLOCK, GzipMembers, packMember, STORED } from './gzip-members.ts';
import { HASH_ALGORITHM, hashReady } from './hash.ts';
import { ReadHashes } from './read-hashes.ts';
import { openManifest } from './read.ts';
import { lstat, lstatIfThere, relBytes, walkFiles, type WalkDeferral, type WalkedFile, type WalkObserver } from './walk.ts';
import type { Coverage } from './coverage.ts';
import { hashAtSize, type PrintedSum } from '../engine/transfer-sums.ts';

export interface ManifestSummary {
  algorithm: string;
  files: number;
  /** Files read and hashed (new or changed since the previous snapshot). */
  hashed: number;
  /** Files whose entry came from the previous manifest unread. */
  inherited: number;
  /** Files whose hash rsync printed as it wrote them (engine/transfer-sums.ts): statted, not read. */
  fromRsync?: number;
  /** Of those, files the pre-link pass linked: not even statted. */
  linked?: number;
  /** Files it could not read and so does not list (not root, no read permission): the first LEFT_OUT_NAMED, encoded as in the manifest. */
  leftOut?: string[];
  /** How many files it left out in all. */
  leftOutCount?: number;
  bytesHashed: number;
  /** What the run waited for the manifest, after the copy. */
  durationMs: number;
  /** Time the merge ran beside rsync before that (`speculate`), not waited for. */
  alongsideMs?: number;
  /** Lines merged beside rsync. */
  alongsideLines?: number;
}

/** Hashes known without reading: rsync's, printed as it wrote each file (engine/transfer-sums.ts). */
export interface KnownSums {
  /** What rsync printed for the file at `rel` (relative to the snapshot), if it stands; the hash is the file's only at its size (`hashAtSize`). */
  lookup(rel: string | Buffer): PrintedSum | undefined;
}

/** Text gathered before it goes to the compressor (gzip-members.ts: a block each). */
const CHUNK = 256 << 10;
/** Left-out files named in the metadata: enough to act on, bounded for a tree of unreadable files. */
export const LEFT_OUT_NAMED = 100;
/**
 * Lines a merge ahead of rsync may hold. Measured on a million files: each 1,000 merged ahead
 * added about 0.5 MB to the run's peak RSS (the pre-link pass's lists are alive beside it);
 * 100,000 took it over 256 MB, 50,000 gives about 226 MB.
 */
export const AHEAD_LINES = 50_000;

/** Previous lines copied whole, in order; compressed already when merged ahead (`packed`, gzip-members.ts). */
interface Segment { segment: string; lines: number; packed?: Buffer }
/** A file the walk did not stat (`lazy`): its facts come back from the pool with its hash. */
interface Unstatted { unstatted: WalkedFile }
type Tag = Omit<ManifestEntry, 'hash'> | ManifestLine | Segment | Unstatted;
/** What a merge ahead of rsync holds, in order. */
type Held =
  | Segment
  | { look: WalkedFile; line?: ManifestLine }
  | { later: WalkedFile; lines: ManifestLine[] };

/** The order of a walked file against a previous line (<0: the line comes first). */
function orderOf(f: WalkedFile): (l: ManifestLine) => number {
  // Plain paths on both sides compare as text (format.ts isPlainPath); others as bytes.
  if (f.plain) {
    const text = f.rel as string;
    let bytes: Buffer | undefined;
    return (l) => (l.plain ? comparePathTexts(l.key, text) : comparePaths(linePath(l), bytes ??= relBytes(text)));
  }
  const bytes = relBytes(f.rel);
  return (l) => comparePaths(linePath(l), bytes);
}

/** `l` is the line of `f`'s path or of a path beneath it. */
function lineAtOrUnder(l: ManifestLine, f: WalkedFile): boolean {
  if (f.plain && l.plain) return atOrUnder(l.key, f.rel as string);
  const a = linePath(l), b = relBytes(f.rel);
  return a.subarray(0, b.length).equals(b) && (a.length === b.length || a[b.length] === 0x2f);
}

const tick = (): Promise<void> => new Promise(setImmediate);

/**
 * A previous line held past its batch: its text copied out of the 64 KiB decompressed chunk
 * it was cut from (V8 keeps a whole chunk alive for one slice of it).
 */
const detached = (l: ManifestLine): ManifestLine => parseLine(Buffer.from(l.text).toString());

export class ManifestWriter {
  private files = 0;
  private walked = 0;
  private inherited = 0;
  private fromRsync = 0;
  private linked = 0;
  private unreadable = 0;
  private firstUnreadable = '';
  private readonly leftOut: string[] = [];
  private chunk = headerLine(HASH_ALGORITHM);
  // A cursor over the previous manifest's batches: no await per entry.
  private batch: ManifestLine[] = [];
  private at = -1;
  private p: ManifestLine | undefined;
  private readonly walk: Generator<WalkedFile>;
  private held: Held[] = [];
  private heldLines = 0;
  private alongsideMs: number | undefined;
  private alongsideLines = 0;
  private hasher: ReadHashes<Tag> | undefined;
  /** Why this manifest hashes every file (no usable previous manifest), for the run's log. */
  private note: string | undefined;
  private out: GzipMembers | undefined;

  /** `coverage` only with a usable previous manifest: a linked file takes its line from there. */
  private constructor(private readonly started: number, private readonly snapshotDir: string, private readonly usable: AsyncGenerator<ManifestLine[]> | undefined,
    private readonly observer: WalkObserver | undefined, private readonly coverage: Coverage | undefined, private readonly deferral: WalkDeferral | undefined,
    private readonly sums: KnownSums | undefined) {
    this.walk = walkFiles(snapshotDir, SNAPSHOT_OWN_FILES, observer, coverage, { deferral, lazy: true });
  }

  /**
   * `coverage`: what the pre-link passes linked from `prevDir` (absent: every file is statted).
   * `deferral`: for `speculate`, where rsync may still write. `sums`: hashes rsync printed of
   * what it wrote (engine/transfer-sums.ts), asked before a file is read.
   */
  static async open(snapshotDir: string, prevDir: string | undefined, log: Logger, observer?: WalkObserver, coverage?: Coverage, deferral?: WalkDeferral, sums?: KnownSums): Promise<ManifestWriter> {
    const started = Date.now();
    await hashReady(HASH_ALGORITHM);
    const prev = prevDir ? await openManifest(prevDir) : undefined;
    // Said when the manifest is finished, by the run's logger (a merge ahead opens with a quiet one).
    let note: string | undefined;
    if (prevDir && !prev) note = 'the previous snapshot has no checksum manifest (made before manifests existed): hashing every file this once, like a first snapshot';
    const usable = prev?.algorithm === HASH_ALGORITHM ? prev.lines : undefined;
    if (prev && !usable) {
      note = `the previous manifest uses ${prev.algorithm}, not ${HASH_ALGORITHM}: hashing every file this once`;
      await prev.lines.return(undefined);
    }
    const w = new ManifestWriter(started, snapshotDir, usable, observer, usable ? coverage : undefined, deferral, sums);
    w.note = note;
    w.p = await w.advance();
    return w;
  }

  private async advance(): Promise<ManifestLine | undefined> {
    while (this.usable && ++this.at >= this.batch.length) {
      const b = await this.usable.next();
      if (b.done) return undefined;
      this.batch = b.value;
      this.at = -1;
    }
    return this.batch[this.at];
  }

  /**
   * Moves the cursor to the first previous line not before `f`; true when it is `f`'s. A
   * promise only when it must wait for the next batch: no await per file.
   */
  private seek(f: WalkedFile): boolean | Promise<boolean> {
    const order = orderOf(f);
    let c = this.p ? order(this.p) : 1;
    while (c < 0) {
      if (this.at + 1 >= this.batch.length) return this.seekAcross(order);
      this.p = this.batch[++this.at];
      c = order(this.p!);
    }
    return c === 0;
  }

  private async seekAcross(order: (l: ManifestLine) => number): Promise<boolean> {
    let c = -1;
    while (c < 0) {
      this.p = this.at + 1 < this.batch.length ? this.batch[++this.at] : await this.advance();
      c = this.p ? order(this.p) : 1;
    }
    return c === 0;
  }

  /**
   * Merges ahead while rsync runs, until `stop()` (rsync has exited), the walk's end or
   * AHEAD_LINES held. Reads nothing rsync may be writing (the walk's deferral) and writes
   * nothing: `finish` does, in order.
   */
  async speculate(stop: () => boolean, signal?: AbortSignal): Promise<void> {
    const t0 = Date.now();
    const d = this.deferral!;
    d.active = true;
    // Runs of merged lines are compressed now, while rsync runs: after it, they only need
    // writing (gzip-members.ts `packMember`).
    let open: Segment | undefined;
    const seal = (): void => {
      if (open && open.segment.length >= STORED) {
        open.packed = packMember(open.segment);
        open.segment = '';
      }
      open = undefined;
    };
    const cap = mergeAheadLines(AHEAD_LINES);
    let why = 'copied';
    try {
      for (let n = 1; !stop(); n++) {
        if (this.heldLines >= cap) { why = 'held'; break; }
        const r = this.walk.next();
        if (r.done) { why = 'walked'; break; }
        const f = r.value;
        const s = this.seek(f);
        const atLine = typeof s === 'boolean' ? s : await s;
        if (f.pending) {
          // It and everything the previous snapshot held beneath it, for `finish`.
          const lines: ManifestLine[] = [];
          while (this.p && lineAtOrUnder(this.p, f)) {
            lines.push(detached(this.p));
            this.p = await this.advance();
          }
          seal();
          this.held.push({ later: f, lines });
          this.heldLines += lines.length + 1;
        } else if (!f.st && !f.lazy && atLine) {
          // Linked by the pre-link pass: PREV's inode, final before rsync started.
          this.observer?.file(f.dir, f.rel, undefined);
          this.inherited++;
          this.linked++;
          if (!open) this.held.push(open = { segment: '', lines: 0 });
          open.segment += `${this.p!.text}\n`;
          open.lines++;
          if (open.segment.length >= BLOCK) seal();
          this.heldLines++;
          this.alongsideLines++;
        } else {
          seal();
          this.held.push({ look: f, line: atLine ? detached(this.p!) : undefined });
          this.heldLines++;
        }
        this.walked++;
        if (n % 512 === 0) {
          signal?.throwIfAborted();
          await tick();
        }
      }
    } finally {
      seal();
      d.active = false;
      this.alongsideMs = Date.now() - t0;
      mergeAheadStopped(why);
    }
  }

  /** Writes the manifest: what `speculate` held, then the rest of the walk. */
  async finish(log: Logger, signal?: AbortSignal): Promise<ManifestSummary> {
    if (this.note) log.info(this.note);
    // What the run waits for: from here after a merge ahead, else from the open.
    const t0 = this.alongsideMs !== undefined ? Date.now() : this.started;
    this.out = await GzipMembers.create(join(this.snapshotDir, MANIFEST_FILE));
    const hasher = this.pool();
    try {
      const held: (Held | undefined)[] = this.held;
      this.held = [];
      for (let i = 0; i < held.length; i++) {
        const h = held[i]!;
        // Let each go once written: a million-file run goes on to merge the rest after these.
        held[i] = undefined;
        const w = 'segment' in h ? hasher.known(h, '') : 'look' in h ? this.take(h.look, h.line) : this.later(h.later, h.lines);
        if (w) await w;
        if (this.chunk.length >= CHUNK) await this.flush();
        if (i % 4096 === 4095) {
          signal?.throwIfAborted();
          await tick();
        }
      }
      for (const f of this.walk) {
        const s = this.seek(f);
        const w = this.take(f, (typeof s === 'boolean' ? s : await s) ? this.p : undefined);
        if (w) await w;
        if (this.chunk.length >= CHUNK) await this.flush();
        if (++this.walked % 4096 === 0) {
          signal?.throwIfAborted();
          await tick();
        }
      }
      await this.flush();
      await this.out.close();
    } catch (e) {
      await this.out.destroy();
      throw e;
    } finally {
      await this.close();
    }
    const { files, inherited, linked, unreadable } = this;
    if (unreadable > 0) log.warn(`checksum manifest: ${unreadable} file(s) could not be read and are not covered by verify, e.g. ${this.firstUnreadable}`);
    log.info(`checksum manifest: ${files} files, ${hasher.files} read and hashed, ${this.fromRsync} hashed by rsync as it copied, ${inherited} unchanged (hash taken from the previous manifest, ${linked} of them linked by the pre-link pass and not statted)${this.alongsideLines > 0 ? `; ${this.alongsideLines} lines merged while rsync ran` : ''}`);
    return {
      algorithm: HASH_ALGORITHM, files, hashed: hasher.files, inherited, fromRsync: this.fromRsync, linked, bytesHashed: hasher.bytes, durationMs: Date.now() - t0,
      ...(this.alongsideMs !== undefined ? { alongsideMs: this.alongsideMs, alongsideLines: this.alongsideLines } : {}),
      ...(unreadable > 0 ? { leftOut: this.leftOut, leftOutCount: unreadable } : {}),
    };
  }

  /**
   * Where every line goes, in walk order (read-hashes.ts): files read and hashed, and those
   * whose hash is known (the previous manifest's, rsync's), so they keep their place.
   */
  private pool(): ReadHashes<Tag> {
    return this.hasher ??= new ReadHashes<Tag>((e, r) => {
      if ('unstatted' in e) {
        const f = e.unstatted;
        // Counted for the census whatever came of the read (an unreadable file is still there).
        const st = (r.error === undefined ? r.st : undefined) ?? lstatIfThere(f.abs);
        if (st) this.observer?.file(f.dir, f.rel, st);
        if (r.error === undefined) {
          this.chunk += entryLine({ hash: r.hash, size: r.st!.size, mtimeNs: r.st!.mtimeNs, ino: r.st!.ino, path: relBytes(f.rel) });
          this.files++;
          return;
        }
      }
      // Not root, and a file the source had without read permission: left out, said once.
      if (r.error !== undefined) {
        const name = 'unstatted' in e ? encodePath(relBytes(e.unstatted.rel)) : 'text' in e ? e.key : 'path' in e ? encodePath(e.path) : '';
        if (this.unreadable++ === 0) this.firstUnreadable = `${name} (${r.error})`;
        if (this.leftOut.length < LEFT_OUT_NAMED) this.leftOut.push(name);
        return;
      }
      if ('segment' in e) {
        this.files += e.lines;
        if (!e.packed) {
          this.chunk += e.segment;
          return;
        }
        // In its place: the text before it, then the member compressed while rsync ran.
        if (this.chunk !== '') void this.out!.add(this.chunk);
        this.chunk = '';
        this.out!.addPacked(e.packed);
        return;
      }
      this.chunk += 'text' in e ? `${e.text}\n` : entryLine({ ...(e as Omit<ManifestEntry, 'hash'>), hash: r.hash });
      this.files++;
    });
  }

  /** Gives up without writing (a run that failed, or whose copy did not go as the merge ahead assumed). */
  async close(): Promise<void> {
    this.held = [];
    this.walk.return(undefined);
    await this.usable?.return(undefined);
  }

  private async flush(): Promise<void> {
    const out = this.chunk;
    this.chunk = '';
    await this.out!.add(out);
  }

  /** One walked file, with the previous line at its path if there is one. */
  private take(f: WalkedFile, line: ManifestLine | undefined): Promise<void> | undefined {
    const hasher = this.hasher!;
    // Met by readdir alone with nothing to compare with (a first snapshot's file): rsync's
    // hash decides whether it is statted, and is looked up once for that and below.
    const early = f.lazy && !line;
    const printedEarly = early ? this.sums?.lookup(f.rel) : undefined;
    if (f.lazy) {
      // No hash from rsync either: read, hashed and statted from the open file in one go.
      if (early && !printedEarly) return hasher.hash({ unstatted: f }, f.abs);
      f.st = lstat(f.abs);
      this.observer?.file(f.dir, f.rel, f.st);
    }
    if (!f.st) {
      // Linked by the pre-link pass: PREV's inode, which PREV's line describes.
      if (line) {
        this.observer?.file(f.dir, f.rel, undefined);
        this.inherited++;
        this.linked++;
        return hasher.known(line, '');
      }
      // PREV's manifest lacks it (left out there as unreadable, say): looked at like any other.
      f.st = lstat(f.abs);
      this.observer?.file(f.dir, f.rel, f.st);
    }
    const st = f.st;
    const q = line ? parseEntry(line.text) : undefined;
    const same = q && q.ino === st.ino && q.size === st.size && q.mtimeNs === st.mtimeNs;
    const entry = { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, path: relBytes(f.rel) };
    if (same) {
      this.inherited++;
      return hasher.known(entry, q.hash);
    }
    const printed = st.isFile() ? hashAtSize(early ? printedEarly : this.sums?.lookup(entry.path), st.size) : undefined;
    if (printed) {
      this.fromRsync++;
      return hasher.known(entry, printed);
    }
    return hasher.hash(entry, f.abs);
  }

  /** What the merge ahead left for after rsync: `f` and all beneath it, against PREV's `lines` at and under its path. */
  private async later(f: WalkedFile, lines: ManifestLine[]): Promise<void> {
    const st = lstatIfThere(f.abs);
    if (!st) return;
    if (f.pending === 'listed') this.observer?.dir(f.dir, 1);
    if (st.isFile()) {
      f.st = st;
      this.observer?.file(f.dir, f.rel, st);
      const first = lines[0];
      await this.take(f, first && orderOf(f)(first) === 0 ? first : undefined);
      return;
    }
    if (!st.isDirectory()) return;
    let k = 0;
    for (const g of walkFiles(f.abs, [], this.observer, this.coverage, { base: { rel: f.rel, plain: f.plain }, lazy: true })) {
      const order = orderOf(g);
      let c = k < lines.length ? order(lines[k]!) : 1;
      while (c < 0) c = ++k < lines.length ? order(lines[k]!) : 1;
      const w = this.take(g, c === 0 ? lines[k] : undefined);
      if (w) await w;
      if (this.chunk.length >= CHUNK) await this.flush();
    }
  }
}

/**
 * The manifest of `snapshotDir`, written in one go after the copy.
 * `observer` sees the walk of the new snapshot too (the census of the snapshot's checks).
 * `coverage`: what the pre-link passes linked from `prevDir` (absent: every file is statted).
 */
export async function writeManifest(snapshotDir: string, prevDir: string | undefined, log: Logger, signal?: AbortSignal, observer?: WalkObserver, coverage?: Coverage, sums?: KnownSums): Promise<ManifestSummary> {
  const w = await ManifestWriter.open(snapshotDir, prevDir, log, observer, coverage, undefined, sums);
  return w.finish(log, signal);
}
