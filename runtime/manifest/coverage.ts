/**
 * What the manifest's walk of a new snapshot may take from the pre-link passes instead of
 * reading it (engine/dir-listing.ts): for each directory a pass walked, the names it put
 * there, in the manifest's order, those it hard-linked from the previous snapshot marked.
 * The pass reads each directory it walks in full, and every entry of it either goes to rsync
 * (listed) or is linked from PREV at the same path; rsync writes only what it is given. So
 * such a directory need not be read again, and a linked file IS the previous snapshot's
 * inode at that path: the previous manifest's line for that path describes it, not even an
 * lstat is needed. Everything else (a listed entry, a directory the pass did not walk, a
 * path the previous manifest lacks) is looked at as in a full walk.
 */
import type { DirListing } from '../engine/dir-listing.ts';

export interface SourceCoverage {
  /** The source's copy relative to the snapshot root ('' = the root itself). */
  sub: string;
  /** The pass's listings, their directories relative to the copy ('.' = the copy itself). */
  listings: readonly DirListing[];
}

export class Coverage {
  private readonly byDir = new Map<string, string>();

  constructor(sources: readonly SourceCoverage[]) {
    for (const s of sources) {
      for (const l of s.listings) {
        const dir = l.dir === '.' ? s.sub : s.sub === '' ? l.dir : `${s.sub}/${l.dir}`;
        this.byDir.set(dir, l.names);
      }
    }
  }

  /** The pass's listing of directory `dir` (relative to the snapshot, '' = its root), if it walked it. */
  listing(dir: string): string | undefined {
    return this.byDir.get(dir);
  }
}
