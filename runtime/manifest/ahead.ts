/**
 * The manifest's merge beside rsync (write.ts `speculate`), for a run with one source: it
 * starts when that source's pre-link pass hands over its listings and rsync starts, and its
 * work is used only if the copy ends as that pass left it (no retry: the same listings).
 * Otherwise it is dropped unwritten and the manifest is made after the copy as before. It
 * never writes, so dropping it is always safe.
 */
import type { Logger } from '../logger.ts';
import type { DirListing } from '../engine/dir-listing.ts';
import { atOrUnder } from '../layout.ts';
import { Coverage } from './coverage.ts';
import type { WalkObserver } from './walk.ts';
import { ManifestWriter } from './write.ts';

export class MergeAhead<O extends WalkObserver = WalkObserver> {
  private copyDone = false;
  private writer: ManifestWriter | undefined;
  private readonly running: Promise<void>;

  /**
   * `sub`: the source's copy relative to the snapshot ('' = its root); `observer` sees the
   * walk as `writeManifest`'s would (the census), so it must be the one the run keeps.
   */
  constructor(partial: string, prevDir: string, sub: string, readonly listings: DirListing[], readonly observer: O, log: Logger, signal?: AbortSignal) {
    const coverage = new Coverage([{ sub, listings }]);
    // The copy's top must have a listing: else every entry of it is rsync's, nothing to merge ahead.
    if (coverage.listing(sub) === undefined) {
      this.running = Promise.resolve();
      return;
    }
    const quiet: Logger = { ...log, info: () => undefined };
    this.running = (async () => {
      const w = await ManifestWriter.open(partial, prevDir, quiet, observer, coverage, { active: false, inFlight: (rel) => atOrUnder(rel, sub) });
      this.writer = w;
      await w.speculate(() => this.copyDone, signal);
    })().catch(async () => {
      // Whatever it was (a damaged previous manifest, say), the manifest after the copy meets it again and says so.
      await this.writer?.close();
      this.writer = undefined;
    });
  }

  /**
   * The copy has ended: the merge stops at its next file. Its writer, to finish the
   * manifest with, when the copy used exactly these listings; else undefined (dropped).
   */
  async stop(listings: DirListing[] | undefined): Promise<ManifestWriter | undefined> {
    this.copyDone = true;
    await this.running;
    if (listings === this.listings && this.writer) return this.writer;
    await this.writer?.close();
    return undefined;
  }
}
