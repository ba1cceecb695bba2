/**
 * The content hash of the manifest and of `verify --deep`: SHA-256 through node:crypto.
 * On these machines OpenSSL uses the CPU's SHA extensions (SHA-NI): 1.2 GB/s, twice
 * BLAKE2b-512 (0.6 GB/s) and as fast as SHA-1 and MD5 (both broken), so the strong choice
 * costs nothing; see docs/runtime.md. Reads are synchronous into one reused buffer: for the
 * many small files of a backup, a thread-pool round trip per read costs more than the read.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';

export const HASH_ALGORITHM = 'sha256';
/** O_NOATIME (root only: the kernel refuses it on others' files) spares an inode write per file read. */
export const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | (process.getuid?.() === 0 ? constants.O_NOATIME : 0);

/** What the manifest records of a file besides its hash, from the open file (fstat). */
export interface OpenFacts { size: bigint; mtimeNs: bigint; ino: bigint; nlink: bigint }

export class FileHasher {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  /** Files and bytes read so far (the manifest's cost, and what a test counts). */
  files = 0;
  bytes = 0;

  /**
   * The file's hash and its facts from the open file. With `limit`, a file larger than that
   * is not read: undefined (a caller that did not stat it hands it to a worker instead).
   */
  hash(path: Buffer | string, limit?: number): { hash: string; bytes: number; st: OpenFacts } | undefined {
    const fd = openSync(path, OPEN_FLAGS);
    try {
      const st = fstatSync(fd, { bigint: true });
      if (limit !== undefined && st.size > BigInt(limit)) return undefined;
      const h = createHash(HASH_ALGORITHM);
      let total = 0;
      for (;;) {
        const n = readSync(fd, this.buf, 0, this.buf.length, null);
        if (n === 0) break;
        h.update(this.buf.subarray(0, n));
        total += n;
      }
      this.files++;
      this.bytes += total;
      return { hash: h.digest('hex'), bytes: total, st: { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, nlink: st.nlink } };
    } finally {
      closeSync(fd);
    }
  }
}
