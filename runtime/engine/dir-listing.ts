/**
 * What a pre-link pass put into one directory of the new tree, so that the walk of the new
 * snapshot that follows (the checksum manifest's, manifest/walk.ts) need not read that
 * directory again: measured on the 50,000-file incremental, its readdirs, name buffers and
 * sorting were half of the manifest's time.
 *
 * A listing holds every name the pass met in the source directory, in the manifest's order
 * (UTF-8 bytes, which is code point order), each tagged:
 *   L  a regular file hard-linked from PREV at the same path (PREV's inode, not statted again)
 *   ?  anything else: a directory (walked, with a listing of its own, or new), a file or other
 *      entry listed for rsync, which may or may not exist once rsync has run (a filter rule,
 *      a file that vanished)
 * One string per directory, "/"-separated (a name never holds "/"): a million names cost a
 * few bytes each, not an object each, and the listing crosses from the walk's worker thread
 * as one string. A directory holding a name that is not UTF-8 gets no listing: the manifest
 * reads it by its bytes, as before.
 */

export const LINKED = 'L';
export const LOOK = '?';

export interface DirListing {
  /** The directory, relative to the source ('.' = the source itself). */
  dir: string;
  /** Tagged names in order, "/"-separated ('' = empty). */
  names: string;
}

/** True when `s` holds a UTF-16 surrogate or a code unit above them: code unit order is then not byte order. */
const BEYOND_PLAIN_ORDER = /[\uD800-\uFFFF]/;

/** Sorts names (as the walk reads them, valid UTF-8) in byte order, in place. */
export function sortByBytes<T extends { name: string }>(entries: T[]): T[] {
  if (!entries.some((e) => BEYOND_PLAIN_ORDER.test(e.name))) return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const bytes = new Map(entries.map((e) => [e, Buffer.from(e.name)]));
  return entries.sort((a, b) => Buffer.compare(bytes.get(a)!, bytes.get(b)!));
}
