/**
 * When the manifest's merge beside rsync (ahead.ts) starts in a run of one or more sources,
 * and which subtrees it must leave alone while it runs.
 *
 * The merge walks the whole snapshot in manifest order, so it may start only once every
 * source's copy directory exists and every directory it reads outside the copies still
 * running is final. So it starts when each source is either copied (its rsync has exited)
 * or pre-linked with its rsync running (its pass handed over its listings, copy-source.ts
 * `onListed`), and at least one is still running (else there is nothing to go beside). A
 * source copied without a pass (a first copy, a mirror) must have finished by then; one
 * not yet started keeps the merge waiting. Any failed attempt of any source (a retry, a
 * carry-over of the previous copy, both rewrite its subtree) spoils the run's merge: it does
 * not start, or, started, is dropped unwritten (ahead.ts `stop`). Without a previous
 * snapshot there is nothing to merge, and the caller makes no gate.
 *
 * While it runs, whatever lies in a running source's subtree is rsync's and is held for
 * after the copy (walk.ts `WalkDeferral`); a source that finishes meanwhile is looked at
 * directly from then on.
 */
import { atOrUnder } from '../layout.ts';
import type { SourceCoverage } from './coverage.ts';

/** What the gate knows of one source; absent: not started, or started and not yet listed. */
export type SourceProgress =
  | { state: 'running'; coverage: SourceCoverage }
  /** Copied: with the pass's final coverage, or without one (a mirror, a first copy). */
  | { state: 'copied'; coverage?: SourceCoverage };

/**
 * The coverage to start the merge with, or undefined when it may not start yet. Pure, so
 * the table in test/unit/runtime shows every case.
 */
export function aheadStart(count: number, progress: ReadonlyMap<number, SourceProgress>, spoiled: boolean): SourceCoverage[] | undefined {
  if (spoiled || count === 0) return undefined;
  for (let i = 0; i < count; i++) if (!progress.has(i)) return undefined;
  const all = [...progress.values()];
  if (!all.some((p) => p.state === 'running')) return undefined;
  return all.flatMap((p) => (p.coverage ? [p.coverage] : []));
}

export class AheadGate {
  private readonly progress = new Map<number, SourceProgress>();
  private anyFailed = false;
  private started = false;

  /** `start` is called once, with the coverage to merge with and whether a path is still rsync's. */
  constructor(private readonly count: number, private readonly start: (coverage: SourceCoverage[], inFlight: (rel: string) => boolean) => void) {}

  /** Source `i`'s pre-link pass is done and its rsync starts. */
  listed(i: number, coverage: SourceCoverage): void {
    this.progress.set(i, { state: 'running', coverage });
    this.check();
  }

  /** Source `i` is copied; `coverage` when its pass made the copy (copy-source.ts `CopyOutcome`). */
  copied(i: number, coverage: SourceCoverage | undefined): void {
    this.progress.set(i, { state: 'copied', ...(coverage ? { coverage } : {}) });
    this.check();
  }

  /** An attempt of some source failed: it is retried or carried over, either rewrites its subtree. */
  failed(): void {
    this.anyFailed = true;
  }

  /** True when some attempt failed: a merge already running must be dropped. */
  get spoiled(): boolean {
    return this.anyFailed;
  }

  /** A path of the snapshot (relative) that a running source's rsync may still be writing. */
  private inFlight(rel: string): boolean {
    for (const p of this.progress.values()) if (p.state === 'running' && atOrUnder(rel, p.coverage.sub)) return true;
    return false;
  }

  private check(): void {
    if (this.started) return;
    const coverage = aheadStart(this.count, this.progress, this.spoiled);
    if (!coverage) return;
    this.started = true;
    this.start(coverage, (rel) => this.inFlight(rel));
  }
}
