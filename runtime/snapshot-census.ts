/**
 * The census of each source's copy inside the new snapshot: how many entries and regular
 * files it holds, how many of those share their inode with nothing (link count 1: copied
 * afresh, not hard-linked; link-ratio.ts) and a random sample of regular files for the spot
 * check. It is tallied during the one walk of the new snapshot that the checksum manifest
 * makes anyway (manifest/write.ts), so the checks cost no walk of their own. The contents
 * of other sources nested inside a source are theirs: their directories are counted in
 * the outer source, their entries in their own. Names are bytes, as on disk.
 */
import { relBytes, walkFiles, type FileFacts, type WalkObserver } from './manifest/walk.ts';
import { atOrUnder } from './layout.ts';

export interface Census {
  /** Entries, the source's own directory included (comparable with rsync's "Number of files"). */
  entries: number;
  regular: number;
  /** Regular files with a link count of 1. */
  fresh: number;
  freshBytes: number;
  /** Relative paths (to the source's copy) of the sampled regular files. */
  sample: Buffer[];
}

export interface CensusSource {
  /** The source's copy, relative to the walked root ('' = the root itself). */
  sub: string;
  /** Share of its regular files to sample, in percent. */
  samplePct: number;
}

interface Owner { sub: string; prefixLen: number; p: number; c: Census }

/** Tallies every source's census from the walk's events; each entry counts for the deepest source holding it. */
export class CensusTally implements WalkObserver {
  private readonly owners: Owner[];
  private lastDir: string | undefined;
  private lastOwner: Owner | undefined;

  constructor(sources: readonly CensusSource[], private readonly random: () => number = Math.random) {
    // Deepest first, so an inner source wins over the source it is nested in.
    this.owners = sources.map((s) => ({ sub: s.sub, prefixLen: s.sub === '' ? 0 : Buffer.byteLength(s.sub) + 1, p: s.samplePct / 100, c: { entries: 1, regular: 0, fresh: 0, freshBytes: 0, sample: [] } }))
      .sort((a, b) => b.sub.length - a.sub.length);
  }

  private ownerOf(dir: string): Owner | undefined {
    if (dir === this.lastDir) return this.lastOwner;
    this.lastDir = dir;
    this.lastOwner = this.owners.find((o) => atOrUnder(dir, o.sub));
    return this.lastOwner;
  }

  dir(rel: string, entries: number): void {
    const o = this.ownerOf(rel);
    if (o) o.c.entries += entries;
  }

  file(dir: string, rel: string | Buffer, st: FileFacts | undefined): void {
    const o = this.ownerOf(dir);
    if (!o) return;
    o.c.regular++;
    if (st && st.nlink === 1n) { o.c.fresh++; o.c.freshBytes += Number(st.size); }
    if (o.p > 0 && this.random() < o.p) o.c.sample.push(Buffer.from(relBytes(rel).subarray(o.prefixLen)));
  }

  census(sub: string): Census | undefined {
    return this.owners.find((o) => o.sub === sub)?.c;
  }
}

/** The census of one tree by a walk of its own (`inner`: nested sources, relative to `root`). */
export function censusOf(root: string, inner: readonly string[], samplePct: number, random: () => number = Math.random): Census {
  const tally = new CensusTally([{ sub: '', samplePct }, ...inner.map((sub) => ({ sub, samplePct: 0 }))], random);
  const walk = walkFiles(root, [], tally);
  while (!walk.next().done) { /* the tally sees every file */ }
  return tally.census('')!;
}
