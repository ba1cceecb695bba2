/**
 * The checksum manifest's text format, one regular file per line, gzip-compressed on disk:
 *
 *   linkdest-manifest 1 sha256            (header: format version, hash algorithm)
 *   <hex hash> <size> <mtime ns> <inode> <path>
 *
 * `path` is relative to the snapshot root and comes last, so it may hold spaces. Names are
 * bytes, not text (Linux allows any byte but "/" and NUL, newlines and invalid UTF-8
 * included), so the path is percent-encoded: "%", control bytes and DEL always, and every
 * byte >= 0x80 when the path is not valid UTF-8. Decoding gives the exact bytes back, and a
 * readable UTF-8 name stays readable. Lines come in walk order (see `comparePaths`), which
 * lets a run merge the previous manifest with its walk in one pass with bounded memory.
 */

export { MANIFEST_FILE } from '../layout.ts';
export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  hash: string;
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  /** Path relative to the snapshot root, raw bytes. */
  path: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = '0123456789ABCDEF';

function isUtf8(b: Buffer): boolean {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Printable ASCII but "%": written as is (the common case, without decoding). */
function plainAscii(b: Buffer): boolean {
  for (const c of b) if (c < 0x20 || c >= 0x7f || c === 0x25) return false;
  return true;
}

export function encodePath(b: Buffer): string {
  if (plainAscii(b)) return b.toString('latin1');
  const escapeHigh = !isUtf8(b);
  const out: number[] = [];
  for (const c of b) {
    if (c === 0x25 || c < 0x20 || c === 0x7f || (escapeHigh && c >= 0x80)) out.push(0x25, HEX.charCodeAt(c >> 4), HEX.charCodeAt(c & 15));
    else out.push(c);
  }
  return Buffer.from(out).toString(escapeHigh ? 'latin1' : 'utf8');
}

export function decodePath(s: string): Buffer {
  if (!s.includes('%')) return Buffer.from(s, 'utf8');
  const raw = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25) {
      const v = Number.parseInt(raw.toString('latin1', i + 1, i + 3), 16);
      if (!/^[0-9A-Fa-f]{2}$/.test(raw.toString('latin1', i + 1, i + 3))) throw new Error(`bad escape in manifest path ${JSON.stringify(s)}`);
      out[n++] = v;
      i += 2;
    } else {
      out[n++] = raw[i]!;
    }
  }
  return out.subarray(0, n);
}

export function headerLine(algorithm: string): string {
  return `linkdest-manifest ${MANIFEST_VERSION} ${algorithm}\n`;
}

/** The hash algorithm a header names, or undefined when the line is not a header we read. */
export function parseHeader(line: string): string | undefined {
  const m = /^linkdest-manifest (\d+) ([a-z0-9-]+)$/.exec(line);
  return m && Number(m[1]) === MANIFEST_VERSION ? m[2] : undefined;
}

export function entryLine(e: ManifestEntry): string {
  return `${e.hash} ${e.size} ${e.mtimeNs} ${e.ino} ${encodePath(e.path)}\n`;
}

const LINE_RE = /^([0-9a-f]+) (\d+) (-?\d+) (\d+) (.+)$/;

/**
 * A line of a previous manifest as the run's merge reads it: checked, its path decoded for
 * the merge's order, the rest left as text. A line the run inherits whole is copied as it
 * is, so the numbers of 50,000 unchanged files are never turned into BigInts and back
 * (measured: that parse and re-print was most of the manifest's time on an incremental run).
 */
export interface ManifestLine {
  /** The line without its newline. */
  text: string;
  /** Its path field, encoded as in the file. */
  key: string;
  /** The key is the path's text as is, and compares as text (`comparePathTexts`). */
  plain: boolean;
  /** The decoded path, once `linePath` needed it. */
  path?: Buffer;
}

/**
 * A path whose text compares in the manifest's order as it is: no "%" (so nothing is
 * escaped: the encoded form is the name itself), no control byte or DEL, and no UTF-16 code
 * unit from the surrogates up (below them, code unit order is UTF-8 byte order). Nearly
 * every real path; the merge of a run compares those without turning them into bytes.
 */
export function isPlainPath(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x25 || c === 0x7f || c >= 0xd800) return false;
  }
  return true;
}

export function parseLine(text: string): ManifestLine {
  if (!LINE_RE.test(text)) throw new Error(`malformed manifest line ${JSON.stringify(text.slice(0, 200))}`);
  let at = -1;
  for (let i = 0; i < 4; i++) at = text.indexOf(' ', at + 1);
  const key = text.slice(at + 1);
  return { text, key, plain: isPlainPath(key) };
}

/** A line's path as bytes (decoded once). */
export function linePath(l: ManifestLine): Buffer {
  return (l.path ??= decodePath(l.key));
}

export function parseEntry(line: string): ManifestEntry {
  const m = LINE_RE.exec(line);
  if (!m) throw new Error(`malformed manifest line ${JSON.stringify(line.slice(0, 200))}`);
  return { hash: m[1]!, size: BigInt(m[2]!), mtimeNs: BigInt(m[3]!), ino: BigInt(m[4]!), path: decodePath(m[5]!) };
}

/**
 * The walk's order: a depth-first walk that visits each directory's names in byte order.
 * Equal to comparing the paths byte by byte with "/" below every other byte (a name that
 * is a prefix of a sibling's name comes first, with everything beneath it).
 */
export function comparePaths(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (x === y) continue;
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}

/** `comparePaths` for two plain paths (`isPlainPath`) as text: the same order, no bytes made. */
export function comparePathTexts(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}
