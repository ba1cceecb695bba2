/**
 * The link-ratio alarm's rule: did this run copy afresh many files that the previous
 * snapshot already held (a restore that reset mtimes, a `chown -R`, a `touch` of the tree),
 * instead of hard-linking them? Pure, table-tested.
 *
 * rsync's statistics cannot tell: after a chown it copies the files locally and counts them
 * as not transferred. So the census (snapshot-census.ts) counts the regular files of the new
 * snapshot that share their inode with nothing (link count 1): fresh copies. New files are
 * fresh too, so growth is subtracted: the source cannot have gained fewer new files than
 * its regular-file count grew by. What remains is re-copied old files (an upper bound when
 * files were also deleted; files hard-linked inside the source are never counted fresh).
 */

/** Below this many old files no alarm: tiny sources swing wildly and cost nothing. */
export const LINK_ALARM_MIN_FILES = 100;
/** Fire when fewer than this share of the old files were linked ... */
export const LINK_ALARM_SHARE = 0.5;

export interface LinkFigures {
  /** Regular files in the previous (link source) snapshot of this source; undefined: no previous. */
  prevRegular: number | undefined;
  /** Share of old files the previous run linked; undefined when unknown (a first snapshot). */
  prevShare: number | undefined;
  regular: number;
  fresh: number;
}

export interface LinkVerdict {
  /** Share of the old files this run linked (1 when there were none). */
  share: number;
  /** Old files copied again. */
  recopied: number;
  /** Old files (present before, still present), as far as the counts can tell. */
  old: number;
  alarm: boolean;
}

export function linkVerdict(f: LinkFigures): LinkVerdict {
  if (f.prevRegular === undefined) return { share: 1, recopied: 0, old: 0, alarm: false };
  const added = Math.max(0, f.regular - f.prevRegular);
  const old = f.regular - added;
  const recopied = Math.min(old, Math.max(0, f.fresh - added));
  const share = old > 0 ? 1 - recopied / old : 1;
  // ... and far below the previous run's share: a source whose files churn every night
  // (VM images, a database dump) links little every night and is no news.
  const alarm = old >= LINK_ALARM_MIN_FILES && share < LINK_ALARM_SHARE && share < (f.prevShare ?? 1) / 2;
  return { share, recopied, old, alarm };
}
