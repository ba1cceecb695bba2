/**
 * A gzip file written as a series of members. RFC 1952 (2.2) defines a gzip file as a series
 * of members, and gunzip, zcat and Node's createGunzip read them as one stream, so readers
 * see the same text. That lets the manifest's text be compressed in pieces, out of order and
 * on other threads, and still be written in order:
 * - blocks of about BLOCK are compressed on the thread pool, both cores at once, while the
 *   main thread makes the next (gzip -1 of a 50,000-line manifest, 6.6 MB, is about 80 ms of
 *   one core);
 * - a merge beside rsync (write.ts) compresses what it merged ahead while rsync still runs
 *   (`packMember`), and hands the members over in their place (`addPacked`);
 * - a few lines between two such members become a stored member (no compression, no thread:
 *   the lines of the files rsync wrote, between runs of lines merged ahead).
 * At most WINDOW compressions wait at a time, so memory stays bounded.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gzipAsync = promisify(zlib.gzip);
/** Text per member: large enough that a member's header and fresh dictionary cost nothing. */
export const BLOCK = 256 << 10;
const WINDOW = 4;
/** Below this, text is stored, not compressed: a thread round trip would cost more than the bytes saved. */
export const STORED = 2 << 10;
/** Bytes gathered into one write. */
const WRITE = 1 << 20;

// Level 1: the hashes are random hex, which no level compresses well; measured on 50,000
// lines, level 6 took 1.4-1.7x as long for a file only 3 % smaller. One output chunk per
// block (zlib's 16 KiB would be several round trips to the main thread).
const gzipText = (text: string): Promise<Buffer> => gzipAsync(text, { level: 1, chunkSize: BLOCK });

/**
 * A member for a merged-ahead run, compressed as the run closes, on the main thread: it is
 * otherwise waiting for rsync, and a thread-pool round trip per run (a few KiB each) cost
 * more than the run.
 */
export function packMember(text: string): Buffer {
  // Copied out: gzipSync's result can be a slice of its 16 KiB output buffer, which a held
  // member of 3 KiB would keep whole (measured on a million files: RSS).
  return Buffer.from(zlib.gzipSync(text, { level: 1 }));
}

/** One entry of the output, in file order: its bytes once known. */
interface Member { bytes?: Buffer; ready?: Promise<void> }

export class GzipMembers {
  private text = '';
  private readonly queue: Member[] = [];
  private jobs = 0;
  private waiters: (() => void)[] = [];
  private pumping: Promise<void> | undefined;
  private failure: Error | undefined;
  private members = 0;

  private constructor(private readonly fh: FileHandle) {}

  static async create(path: string): Promise<GzipMembers> {
    return new GzipMembers(await open(path, 'w', 0o600));
  }

  /** Appends whole lines; a promise to wait on when WINDOW compressions are waiting. */
  add(s: string): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.text = this.text === '' ? s : this.text + s;
    if (this.text.length >= BLOCK) {
      let t = this.text;
      this.text = '';
      // Cut after a newline: a block never splits a character (nor a line).
      while (t.length >= 2 * BLOCK) {
        const cut = t.lastIndexOf('\n', BLOCK - 1) + 1 || t.indexOf('\n', BLOCK) + 1 || t.length;
        this.compress(t.slice(0, cut));
        t = t.slice(cut);
      }
      this.compress(t);
    }
    return this.jobs >= WINDOW ? new Promise<void>((r) => this.waiters.push(r)) : undefined;
  }

  /** A member compressed ahead (`packMember`), after the text added so far. */
  addPacked(member: Buffer): void {
    if (this.failure) throw this.failure;
    this.sealText();
    this.push({ bytes: member });
  }

  private sealText(): void {
    const t = this.text;
    this.text = '';
    if (t === '') return;
    if (t.length < STORED) this.push({ bytes: storedMember(Buffer.from(t)) });
    else this.compress(t);
  }

  private compress(block: string): void {
    this.jobs++;
    const m: Member = {};
    m.ready = gzipText(block).then((b) => { m.bytes = b; }, (e: Error) => { this.failure ??= e; }).finally(() => {
      this.jobs--;
      if (this.jobs < WINDOW) for (const w of this.waiters.splice(0)) w();
    });
    this.push(m);
  }

  private push(m: Member): void {
    this.members++;
    this.queue.push(m);
    this.kick();
  }

  private kick(): void {
    if (this.pumping || this.failure) return;
    // A member queued between the pump's last look and its end starts the next pump.
    this.pumping = this.pump().catch((e: Error) => { this.failure ??= e; }).finally(() => {
      this.pumping = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  /** Writes members in order as they are ready, those ready together in one write. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const head = this.queue[0]!;
      if (!head.bytes) await head.ready;
      if (this.failure) break;
      const bufs: Buffer[] = [];
      let n = 0;
      while (this.queue.length > 0 && this.queue[0]!.bytes && n < WRITE) {
        const b = this.queue.shift()!.bytes!;
        bufs.push(b);
        n += b.length;
      }
      await this.fh.writev(bufs);
    }
  }

  /** Writes what is left and closes the file. */
  async close(): Promise<void> {
    try {
      this.sealText();
      // No text at all is still a gzip file: one empty member.
      if (this.members === 0) this.push({ bytes: storedMember(Buffer.alloc(0)) });
      this.kick();
      while (this.pumping) await this.pumping;
      if (this.failure) throw this.failure;
    } finally {
      await this.fh.close();
    }
  }

  /** Closes the file, written or not (an error or an abandoned run). */
  async destroy(): Promise<void> {
    this.failure ??= new Error('abandoned');
    await this.pumping?.catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}

/** A gzip member holding `data` in one stored (uncompressed) deflate block. */
export function storedMember(data: Buffer): Buffer {
  const out: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])];
  for (let at = 0; at < data.length || at === 0; at += 0xffff) {
    const piece = data.subarray(at, at + 0xffff);
    const last = at + 0xffff >= data.length;
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0;
    head.writeUInt16LE(piece.length, 1);
    head.writeUInt16LE(~piece.length & 0xffff, 3);
    out.push(head, piece);
    if (last) break;
  }
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(data), 0);
  tail.writeUInt32LE(data.length >>> 0, 4);
  out.push(tail);
  return Buffer.concat(out);
}

/** CRC-32 (the gzip trailer's): zlib's own on Node >= 20.15, else `crc32InJs` (stored members are small). */
export function crc32(data: Buffer): number {
  const native = (zlib as { crc32?: (d: Buffer) => number }).crc32;
  return native ? native(data) : crc32InJs(data);
}

let table: Int32Array | undefined;
export function crc32InJs(data: Buffer): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
