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
  /** Per entry: offset of its name, its length, its value. */
  private meta = new Uint32Array(3 * 1024);
  private entries = 0;
  /** Entry index + 1, EMPTY or GONE. */
  private slots = new Uint32Array(2048);
  private live = 0;
  private taken = 0;

  get size(): number { return this.live; }

  get(name: string): number | undefined {
    const s = this.find(name);
    return s < 0 ? undefined : this.meta[3 * (this.slots[s]! - 1) + 2];
  }

  set(name: string, value: number): void {
    const s = this.find(name);
    if (s >= 0) { this.meta[3 * (this.slots[s]! - 1) + 2] = value; return; }
    if (2 * (this.taken + 1) > this.slots.length) this.rehash(this.live + 1 > this.slots.length / 4 ? this.slots.length * 2 : this.slots.length);
    while (this.used + name.length > this.bytes.length) this.bytes = grow(this.bytes, this.bytes.length * 2);
    if (3 * (this.entries + 1) > this.meta.length) { const m = new Uint32Array(this.meta.length * 2); m.set(this.meta); this.meta = m; }
    this.bytes.write(name, this.used, 'latin1');
    const e = this.entries++;
    this.meta[3 * e] = this.used;
    this.meta[3 * e + 1] = name.length;
    this.meta[3 * e + 2] = value;
    this.used += name.length;
    let s2 = hashOf(name) & (this.slots.length - 1);
    while (this.slots[s2] !== EMPTY && this.slots[s2] !== GONE) s2 = (s2 + 1) & (this.slots.length - 1);
    if (this.slots[s2] === EMPTY) this.taken++;
    this.slots[s2] = e + 1;
    this.live++;
  }

  delete(name: string): void {
    const s = this.find(name);
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
      yield [this.bytes.toString('latin1', this.meta[3 * e]!, this.meta[3 * e]! + this.meta[3 * e + 1]!), this.meta[3 * e + 2]!];
    }
  }

  /** The slot holding `name`, or -1. */
  private find(name: string): number {
    const mask = this.slots.length - 1;
    for (let s = hashOf(name) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === EMPTY) return -1;
      if (v !== GONE && this.equal(v - 1, name)) return s;
    }
  }

  private equal(e: number, name: string): boolean {
    const off = this.meta[3 * e]!;
    if (this.meta[3 * e + 1] !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (this.bytes[off + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(size);
    this.taken = 0;
    for (const v of old) {
      if (v === EMPTY || v === GONE) continue;
      const e = v - 1;
      let s = hashOfBytes(this.bytes, this.meta[3 * e]!, this.meta[3 * e + 1]!) & (size - 1);
      while (this.slots[s] !== EMPTY) s = (s + 1) & (size - 1);
      this.slots[s] = v;
      this.taken++;
    }
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

function hashOfBytes(b: Buffer, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ b[off + i]!, 0x01000193);
  return h >>> 0;
}
