/**
 * The content hash of the manifest and of `verify --deep`.
 *
 * New manifests use XXH3-128 (`xxh128`): rsync 3.2+ computes exactly this hash of every file
 * it writes, to check the transfer, and prints it on request (`%C`, engine/transfer-sums.ts),
 * so a copied file's line needs no second read of its bytes; a first snapshot's manifest was
 * most of the time the run spent beyond bare rsync. Like ZFS's fletcher4 and btrfs's crc32c
 * it detects damage (bit rot, a torn copy, a wrong restore), not forgery: whoever can change
 * a snapshot can change its manifest beside it. Manifests written before it carry `sha256`
 * in their header and are still read and verified with it. Node has no xxh128 of its own:
 * hash-wasm's (WebAssembly, bundled; 4.5 GB/s here, against 1.7 GB/s for OpenSSL's SHA-256
 * with SHA-NI). Reads are synchronous into one reused buffer: for the many small files of a
 * backup, a thread-pool round trip per read costs more than the read.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { createXXHash128, type IHasher } from 'hash-wasm';

export type HashAlgorithm = 'xxh128' | 'sha256';
/** What a new manifest uses. */
export const HASH_ALGORITHM: HashAlgorithm = 'xxh128';
export const isHashAlgorithm = (s: string): s is HashAlgorithm => s === 'xxh128' || s === 'sha256';
/** O_NOATIME (root only: the kernel refuses it on others' files) spares an inode write per file read. */
export const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | (process.getuid?.() === 0 ? constants.O_NOATIME : 0);

/** One running digest: update with the bytes, then the lowercase hex (as rsync's %C and sha256sum print it). */
export interface Digest { update(b: Uint8Array): void; hex(): string }

let xxh: IHasher | undefined;
/** The WebAssembly module compiles asynchronously, once per process: await before `newDigest('xxh128')`. */
export async function hashReady(algorithm: HashAlgorithm): Promise<void> {
  if (algorithm === 'xxh128') xxh ??= await createXXHash128();
}

export function newDigest(algorithm: HashAlgorithm): Digest {
  if (algorithm === 'sha256') {
    const h = createHash('sha256');
    return { update: (b) => { h.update(b); }, hex: () => h.digest('hex') };
  }
  if (!xxh) throw new Error('xxh128 used before hashReady()');
  // One instance: digests are never interleaved (each file is hashed to the end before the next).
  const h = xxh;
  h.init();
  return { update: (b) => { h.update(b); }, hex: () => h.digest('hex') };
}

/** What the manifest records of a file besides its hash, from the open file (fstat). */
export interface OpenFacts { size: bigint; mtimeNs: bigint; ino: bigint; nlink: bigint }

export class FileHasher {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  /** Files and bytes read so far (the manifest's cost, and what a test counts). */
  files = 0;
  bytes = 0;

  constructor(readonly algorithm: HashAlgorithm = HASH_ALGORITHM) {}

  /** The file's hash and its facts from the open file. */
  hash(path: Buffer | string): { hash: string; bytes: number; st: OpenFacts } {
    const fd = openSync(path, OPEN_FLAGS);
    try {
      const st = fstatSync(fd, { bigint: true });
      const h = newDigest(this.algorithm);
      // Up to the size fstat gave, then one more read only if the file was not that long: a
      // snapshot's files do not change, and the read that returns 0 was one syscall in six.
      const size = Number(st.size);
      let total = 0;
      for (;;) {
        const n = readSync(fd, this.buf, 0, this.buf.length, null);
        if (n === 0) break;
        h.update(this.buf.subarray(0, n));
        total += n;
        if (total === size) break;
      }
      this.files++;
      this.bytes += total;
      return { hash: h.hex(), bytes: total, st: { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, nlink: st.nlink } };
    } finally {
      closeSync(fd);
    }
  }
}
