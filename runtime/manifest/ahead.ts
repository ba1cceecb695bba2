/**
 * The manifest's merge beside rsync (write.ts `speculate`): it starts when ahead-gate.ts
 * says (every source copied or pre-linked with its rsync running), and its work is used only
 * if every copy it took a listing from ended as that pass left it (no retry, no carried-over
 * source: the same listings). Otherwise it is dropped unwritten and the manifest is made
 * after the copy as before. It never writes, so dropping it is always safe.
 */
import type { Logger } from '../logger.ts';
import { Coverage, type SourceCoverage } from './coverage.ts';
import type { WalkObserver } from './walk.ts';
import { ManifestWriter, type KnownSums } from './write.ts';

export class MergeAhead<O extends WalkObserver = WalkObserver> {
  private copyDone = false;
  private writer: ManifestWriter | undefined;
  private readonly running: Promise<void>;

  /**
   * `sources`: the listings of the copies pre-linked from `prevDir` (their `sub` relative to
   * the snapshot, '' = its root); `inFlight`: a path rsync may still be writing
   * (ahead-gate.ts). `observer` sees the walk as `writeManifest`'s would (the census), so it
   * must be the one the run keeps.
   */
  constructor(partial: string, prevDir: string, readonly sources: readonly SourceCoverage[], inFlight: (rel: string) => boolean, readonly observer: O, log: Logger, signal?: AbortSignal, sums?: KnownSums) {
    const coverage = new Coverage(sources);
    // A copy's top must have a listing: else every entry of it is rsync's or read as usual, nothing to merge ahead.
    if (!sources.some((s) => coverage.listing(s.sub) !== undefined)) {
      this.running = Promise.resolve();
      return;
    }
    const quiet: Logger = { ...log, info: () => undefined };
    this.running = (async () => {
      const w = await ManifestWriter.open(partial, prevDir, quiet, observer, coverage, { active: false, inFlight }, sums);
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
   * manifest with, when every copy it took listings from ended with exactly those (`final`:
   * the copies' coverage; undefined when an attempt failed); else undefined (dropped).
   */
  async stop(final: readonly SourceCoverage[] | undefined): Promise<ManifestWriter | undefined> {
    this.copyDone = true;
    await this.running;
    const kept = final !== undefined && this.sources.every((s) => final.some((f) => f.sub === s.sub && f.listings === s.listings));
    if (kept && this.writer) return this.writer;
    await this.writer?.close();
    return undefined;
  }
}
