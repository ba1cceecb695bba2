/**
 * Which files of a new snapshot the manifest may take from the previous manifest without
 * looking at them (not even an lstat): those the pre-link pass hard-linked from the previous
 * snapshot (engine/prelink.ts). The pass reads each directory it walks in full, and every
 * entry of such a directory either goes to rsync (listed) or is linked from PREV at the same
 * path; rsync writes only what it is given. So a regular file of the new tree that lies in a
 * walked directory and was not listed for rsync IS the previous snapshot's inode at that
 * path, and the previous manifest's line for that path describes it. Anything else (a copy
 * made without the pass, a directory it did not walk, a listed path, a path the previous
 * manifest lacks) is looked at as in a full walk. Paths here are relative to the snapshot.
 */
export interface SourceCoverage {
  /** The source's copy relative to the snapshot root ('' = the root itself). */
  sub: string;
  /** Directories the pass walked, relative to the copy ('.' = the copy itself). */
  walked: readonly string[];
  /** Every path the pass listed for rsync, relative to the copy. */
  handed: readonly (string | Buffer)[];
}

export class Coverage {
  private readonly dirs = new Set<string>();
  private readonly listed = new Set<string>();

  constructor(sources: readonly SourceCoverage[]) {
    for (const s of sources) {
      const at = (p: string | Buffer): string => {
        const rel = p.toString();
        if (rel === '.') return s.sub;
        return s.sub === '' ? rel : `${s.sub}/${rel}`;
      };
      for (const d of s.walked) this.dirs.add(at(d));
      for (const p of s.handed) this.listed.add(at(p));
    }
  }

  /** The pass walked directory `dir` (relative to the snapshot, '' = its root). */
  walked(dir: string): boolean {
    return this.dirs.has(dir);
  }

  /** `rel`, a regular file in a walked directory, is PREV's inode at that path (not listed for rsync). */
  linked(rel: string): boolean {
    return !this.listed.has(rel);
  }

  get empty(): boolean {
    return this.dirs.size === 0;
  }
}
