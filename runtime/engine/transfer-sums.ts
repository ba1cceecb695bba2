/**
 * The hashes rsync computes anyway. To check a transfer, rsync hashes every file it writes
 * (the whole file, as sent and as written: sender and receiver compare) and, asked with
 * `--out-format`'s `%C`, prints that hash. When it is xxh128, the manifest's own hash
 * (manifest/hash.ts), the manifest takes a copied file's line from here instead of reading
 * the file back: a first snapshot's manifest no longer reads every byte the copy just wrote.
 *
 * Used only where the hash is certainly the file's xxh128:
 * - this host's rsync lists xxh128 (snapshot.ts keeps none otherwise), and
 *   `rsync.extra_args` chooses no other checksum or output format (`sumsAllowed`);
 * - a local source: both ends are this rsync, told `--checksum-choice=xxh128`;
 * - a remote source: the source host's rsync may predate xxh128 (3.2.3), and a forced choice
 *   it does not know would fail the copy. So the two negotiate as they always do (both
 *   with xxh128 choose it first), `--debug=NSTR` makes this rsync print what they chose, and
 *   a run's hashes stand only after `Client negotiated checksum: xxh128`. An older source
 *   host prints no such line: its files are read back, as before.
 * A hash is taken only for a path rsync printed it for, whose size is the size printed, from
 * a run that ended without errors (rsync prints the line before it renames the file into
 * place, so a rename that failed, or a transfer that failed its check twice, leaves another
 * file there: `runLeavesSums`). A source's hashes are forgotten when it is copied again (a
 * retry, a carried-over copy): only the last attempt's stand. At most MAX_SUMS paths are
 * kept (about 100 bytes of peak RSS each); past that, files are read back as before. A
 * missing hash costs a read, never a wrong line.
 */
import { run } from '../exec.ts';
import { NameTable } from './name-table.ts';
import { hasExtraOption } from './extra-args.ts';

/** A line of ours among rsync's stdout (--stats lines never start so). */
export const SUM_PREFIX = 'linkdest-sum ';
export const SUM_OUT_FORMAT = `${SUM_PREFIX}%C %l %n`;
export const MAX_SUMS = 500_000;

/** The options that give the hashes; after baseArgs's own, before extra_args (which sumsAllowed vetted). */
export const sumsArgs = (remote: boolean): string[] => [remote ? '--debug=NSTR' : '--checksum-choice=xxh128', `--out-format=${SUM_OUT_FORMAT}`];

/** The line `--debug=NSTR` prints for the checksum both ends chose (client side: this rsync). */
const NEGOTIATED = /^Client negotiated ([a-z]+): (\S+)/;

/** This host's rsync, asked once per run. */
export async function localRsyncHasXxh128(): Promise<boolean> {
  const v = await run(['rsync', '--version']);
  return v.code === 0 && rsyncHasXxh128(v.stdout);
}

/** Does `rsync --version` list xxh128 among its checksums (rsync >= 3.2.0 built with xxhash)? */
export function rsyncHasXxh128(versionText: string): boolean {
  const m = /^Checksum list:\s*\n\s*(.+)$/m.exec(versionText);
  return m !== null && m[1]!.split(/[\s()]+/).includes('xxh128');
}

/** Options in extra_args after which %C is not the xxh128 of the file, or our lines are not ours (long names, extra-args.ts). */
// --8-bit-output: names would come unescaped, in bytes that are not text, on stdout and stderr.
// --checksum: %C is then the hash of the file list, taken before the transfer (a file
// changed in between is written as it is then, and printed as it was).
const FOREIGN = new Set(['--checksum-choice', '--out-format', '--itemize-changes', '--checksum-seed', '--8-bit-output', '--checksum']);
export function sumsAllowed(extraArgs: readonly string[]): boolean {
  return !hasExtraOption(extraArgs, FOREIGN);
}

/** rsync's escape of a byte in printed names: `\#ooo` (octal); every other character is its own byte (latin1). */
export function unescapeRsyncName(s: string): string {
  return s.replace(/\\#([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** One of our stdout lines: name (bytes as latin1, relative to the copy's top), hash, size; undefined for lines without a hash (directories, links, deletions). */
export function parseSumLine(line: string): { name: string; hash: string; size: bigint } | undefined {
  const m = /^linkdest-sum ([0-9a-f]{32}) ([\d,.]+) (.+)$/.exec(line);
  if (!m) return undefined;
  return { name: unescapeRsyncName(m[3]!), hash: m[1]!, size: BigInt(m[2]!.replace(/[,.]/g, '')) };
}

/** What rsync printed for a path: its hash, and the size the file had as rsync wrote it. */
export interface PrintedSum { hash: string; size: bigint }

/** A printed hash is the file's only at the size printed (a file rewritten since has another). */
export const hashAtSize = (p: PrintedSum | undefined, size: bigint): string | undefined => (p !== undefined && p.size === size ? p.hash : undefined);

const latin1 = (rel: string | Buffer): string => (typeof rel === 'string' ? Buffer.from(rel).toString('latin1') : rel.toString('latin1'));

/** A record: the hash's 16 bytes, the size (u64), the rsync run (u32); slabs of 32,768. */
const RECORD = 32;
const SLAB_RECORDS = 1 << 15;

/** One source's hashes: its copy's place in the snapshot, names under it -> record. */
interface SourceSums { prefix: string; names: NameTable; slabs: Buffer[]; records: number }

/**
 * The hashes of one run, per source, by name relative to the source's copy (bytes as
 * latin1). Off V8's heap, since a first snapshot prints a line per file: the name's bytes
 * and slot in a NameTable (name-table.ts) and a 32-byte record: about 100 bytes of peak RSS
 * a file (a million-file first snapshot: 160 MB without them, 211 with 500,000, 261 with
 * all; 303 with 500,000 in a Map).
 */
export class TransferSums {
  private readonly sources = new Map<number, SourceSums>();
  private runs = 0;
  private records = 0;
  /** Paths past MAX_SUMS not kept (a figure for the log and the bench). */
  dropped = 0;

  /**
   * A sink for one rsync run of source `source`, whose copy lies at `sub` in the snapshot
   * ('' = its root); `remote`: its hashes stand only once rsync says it negotiated xxh128.
   */
  sink(source: number, sub: string, remote = false): RunSums {
    const prefix = sub === '' ? '' : latin1(`${sub}/`);
    if (this.sources.get(source)?.prefix !== prefix) this.sources.set(source, { prefix, names: new NameTable(), slabs: [], records: 0 });
    return new RunSums(this, source, this.runs++, remote);
  }

  /** Source `source` failed, is copied again, or is carried over: its hashes so far no longer stand. */
  forget(source: number): void {
    const s = this.sources.get(source);
    if (!s) return;
    this.records -= s.records;
    this.sources.delete(source);
  }

  /** @internal RunSums's: a run that ended in errors keeps none. */
  forgetRun(source: number, run: number): void {
    const s = this.sources.get(source);
    if (!s) return;
    for (const [k, r] of [...s.names.values()]) if (slabOf(s, r).readUInt32LE(offsetOf(r) + 24) === run) s.names.delete(k);
  }

  get size(): number { let n = 0; for (const s of this.sources.values()) n += s.names.size; return n; }

  /**
   * The manifest's question (manifest/write.ts `KnownSums`), asked once per file: what rsync
   * printed for this path of the snapshot, if it stands. A first snapshot's file is statted
   * only when there is an answer; `hashAtSize` then says whether it is the file's.
   */
  lookup(rel: string | Buffer): PrintedSum | undefined {
    const at = this.locate(rel);
    if (!at) return undefined;
    const slab = slabOf(at.s, at.r);
    const off = offsetOf(at.r);
    return { hash: slab.toString('hex', off, off + 16), size: slab.readBigUInt64LE(off + 16) };
  }

  /** The source holding `rel` (the deepest copy: an inner source's files are not its outer source's) and its record. */
  private locate(rel: string | Buffer): { s: SourceSums; r: number } | undefined {
    if (this.sources.size === 0) return undefined;
    const key = latin1(rel);
    let best: SourceSums | undefined;
    for (const s of this.sources.values()) if (key.startsWith(s.prefix) && (!best || s.prefix.length > best.prefix.length)) best = s;
    const r = best?.names.get(key.slice(best.prefix.length));
    return r === undefined ? undefined : { s: best!, r };
  }

  /** @internal RunSums's */
  put(source: number, name: string, hash: string, size: bigint, run: number): void {
    const s = this.sources.get(source)!;
    let r = s.names.get(name);
    if (r === undefined) {
      if (this.records >= MAX_SUMS) { this.dropped++; return; }
      r = s.records++;
      this.records++;
      if (r % SLAB_RECORDS === 0) s.slabs.push(Buffer.alloc(SLAB_RECORDS * RECORD));
      s.names.set(name, r);
    }
    const slab = slabOf(s, r);
    const at = offsetOf(r);
    slab.write(hash, at, 16, 'hex');
    slab.writeBigUInt64LE(size, at + 16);
    slab.writeUInt32LE(run, at + 24);
  }

  /** @internal RunSums's */
  drop(source: number, name: string): void {
    this.sources.get(source)?.names.delete(name);
  }
}

const slabOf = (s: SourceSums, r: number): Buffer => s.slabs[Math.floor(r / SLAB_RECORDS)]!;
const offsetOf = (r: number): number => (r % SLAB_RECORDS) * RECORD;

/** A run's stderr that leaves its printed hashes standing: nothing, or only files vanished before they were read. */
export function runLeavesSums(code: number, stderr: string): boolean {
  if (code !== 0 && code !== 24) return false;
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.every((l) => /^file has vanished: /.test(l) || /^rsync warning: some files vanished/.test(l) || /^WARNING: .+ failed verification -- update /.test(l));
}

/**
 * One rsync run's lines. `done` with its exit: a clean run's hashes stand, but for a file
 * whose first transfer failed its check (rsync then sent it again and printed a second
 * line; read back to be sure); a run that ended otherwise keeps none, and so does a remote
 * run that did not say it negotiated xxh128.
 */
export class RunSums {
  /** The transfer checksum rsync said both ends chose (remote runs: --debug=NSTR). */
  private negotiated: string | undefined;

  constructor(private readonly all: TransferSums, private readonly source: number, private readonly run: number, private readonly mustNegotiate = false) {}

  /** A line of stdout: true when it was ours (kept out of the --stats text). */
  line(l: string): boolean {
    if (l.startsWith(SUM_PREFIX)) {
      const s = parseSumLine(l);
      if (s) this.all.put(this.source, s.name, s.hash, s.size, this.run);
      return true;
    }
    // Not a line per file: a remote run's few --debug=NSTR lines.
    const n = this.mustNegotiate ? NEGOTIATED.exec(l) : null;
    if (!n) return false;
    if (n[1] === 'checksum') this.negotiated = n[2];
    return true;
  }

  done(code: number, stderr: string): void {
    if (!runLeavesSums(code, stderr) || (this.mustNegotiate && this.negotiated !== 'xxh128')) { this.all.forgetRun(this.source, this.run); return; }
    for (const m of stderr.matchAll(/^WARNING: (.+) failed verification -- update /gm)) this.all.drop(this.source, unescapeRsyncName(m[1]!));
  }
}
