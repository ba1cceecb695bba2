/**
 * The manifest's reads: a file the manifest has no hash for (neither from the previous
 * manifest nor from rsync, engine/transfer-sums.ts) is read and hashed on the main thread
 * when the walk reaches it, and handed back at once, so lines stay in walk order with
 * nothing queued. An unreadable file comes back as its errno code, in its place.
 *
 * This was a pool of worker threads while the hash was SHA-256, which kept a core busy. With
 * xxh128 (4.5 GB/s) the time is in open, read and close: one thread reads the 50,000-file
 * tree (594 MB, page cache) in 0.62 s, the two-thread SHA-256 pool took 0.56 s (medians of 3,
 * 2026-12-05). And what a run copied locally is no longer read at all; only pulled files,
 * a changed manifest hash and files rsync did not print are.
 */
import { FileHasher, HASH_ALGORITHM, type HashAlgorithm, type OpenFacts } from './hash.ts';

/** A file's hash (with its facts from the open file when it was read), or why it could not be read (an errno code such as EACCES). */
export type HashResult = { hash: string; st?: OpenFacts; error?: undefined } | { hash?: undefined; error: string };

export class ReadHashes<T> {
  private readonly hasher: FileHasher;

  /** `onResult` sees every added item once, in the order added. */
  constructor(private readonly onResult: (tag: T, r: HashResult) => void, algorithm: HashAlgorithm = HASH_ALGORITHM) {
    this.hasher = new FileHasher(algorithm);
  }

  /** Files read and hashed, and their bytes (the manifest's cost). */
  get files(): number { return this.hasher.files; }
  get bytes(): number { return this.hasher.bytes; }

  /** An entry whose hash is known. */
  known(tag: T, hash: string): undefined {
    this.onResult(tag, { hash });
    return undefined;
  }

  /** A file to read and hash; its facts come back from the open file. */
  hash(tag: T, path: string | Buffer): undefined {
    let r: HashResult;
    try {
      const h = this.hasher.hash(path)!;
      r = { hash: h.hash, st: h.st };
    } catch (e) {
      r = { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    }
    this.onResult(tag, r);
    return undefined;
  }
}
