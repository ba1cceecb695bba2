/**
 * A set of names (byte strings, given as latin1 text) -> a number, kept outside V8's heap:
 * the names' bytes in one growing buffer, an open-addressing table of Uint32 slots. rsync
 * prints a line per file it writes, a million on a first snapshot of a million files; a Map
 * of strings for them cost about 290 bytes a name in a real run's peak RSS (its strings
 * scattered among the garbage of the lines they were cut from, pages V8 cannot give back),
 * against the 80 its live objects took.
 */
const EMPTY = 0;
const GONE = 0xffffffff;

export class NameTable {
  private bytes: Buffer = Buffer.alloc(1 << 16);
  private used = 0;
  /** Per entry: offset of its name, its length, its value, its hash (so a rehash reads no name). */
  private meta = new Uint32Array(4 * 1024);
  private entries = 0;
  /** Entry index + 1, EMPTY or GONE. */
  private slots = new Uint32Array(2048);
  private live = 0;
  private taken = 0;

  get size(): number { return this.live; }

  get(name: string): number | undefined {
    const s = this.find(name, hashOf(name));
    return s < 0 ? undefined : this.meta[4 * (this.slots[s]! - 1) + 2];
  }

  set(name: string, value: number): void {
    const h = hashOf(name);
    const s = this.find(name, h);
    if (s >= 0) { this.meta[4 * (this.slots[s]! - 1) + 2] = value; return; }
    if (2 * (this.taken + 1) > this.slots.length) this.rehash(this.live + 1 > this.slots.length / 4 ? this.slots.length * 2 : this.slots.length);
    while (this.used + name.length > this.bytes.length) this.bytes = grow(this.bytes, this.bytes.length * 2);
    if (4 * (this.entries + 1) > this.meta.length) { const m = new Uint32Array(this.meta.length * 2); m.set(this.meta); this.meta = m; }
    this.bytes.write(name, this.used, 'latin1');
    const e = this.entries++;
    this.meta[4 * e] = this.used;
    this.meta[4 * e + 1] = name.length;
    this.meta[4 * e + 2] = value;
    this.meta[4 * e + 3] = h;
    this.used += name.length;
    this.place(e + 1, h);
    this.live++;
  }

  delete(name: string): void {
    const s = this.find(name, hashOf(name));
    if (s < 0) return;
    this.slots[s] = GONE;
    this.live--;
  }

  /** Every live entry's value, for a caller that deletes by value. */
  *values(): Generator<[string, number]> {
    for (let s = 0; s < this.slots.length; s++) {
      const v = this.slots[s]!;
      if (v === EMPTY || v === GONE) continue;
      const e = v - 1;
      yield [this.bytes.toString('latin1', this.meta[4 * e]!, this.meta[4 * e]! + this.meta[4 * e + 1]!), this.meta[4 * e + 2]!];
    }
  }

  /** The slot holding `name` (whose hash is `h`), or -1. */
  private find(name: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === EMPTY) return -1;
      if (v !== GONE && this.meta[4 * (v - 1) + 3] === h && this.equal(v - 1, name)) return s;
    }
  }

  private equal(e: number, name: string): boolean {
    const off = this.meta[4 * e]!;
    if (this.meta[4 * e + 1] !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (this.bytes[off + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  /** Entry `v` (index + 1) into the first free slot from its hash's. */
  private place(v: number, h: number): void {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== EMPTY && this.slots[s] !== GONE) s = (s + 1) & mask;
    if (this.slots[s] === EMPTY) this.taken++;
    this.slots[s] = v;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(size);
    this.taken = 0;
    for (const v of old) if (v !== EMPTY && v !== GONE) this.place(v, this.meta[4 * (v - 1) + 3]!);
  }
}

function grow(b: Buffer, size: number): Buffer {
  const n = Buffer.alloc(size);
  b.copy(n);
  return n;
}

/** FNV-1a, 32 bits, of the name's bytes (latin1: one char per byte). */
function hashOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
