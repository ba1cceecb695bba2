/**
 * Whether this host's rsync prints the manifest's hash of what it writes (xxh128, rsync >=
 * 3.2 built with xxhash; engine/transfer-sums.ts), and so how a manifest splits its files
 * between read back and taken from rsync.
 */
import { localRsyncHasXxh128 } from '../../../../runtime/engine/transfer-sums.ts';

export const rsyncPrintsHashes = await localRsyncHasXxh128();

/** The manifest summary's figures for `wrote` files rsync wrote locally and `read` files it had to read besides. */
export function hashedSplit(wrote: number, read = 0): { hashed: number; fromRsync: number } {
  return rsyncPrintsHashes ? { hashed: read, fromRsync: wrote } : { hashed: wrote + read, fromRsync: 0 };
}
