/**
 * One walk over a source's copy inside the new snapshot (one lstat per entry): how many
 * entries and regular files it holds, how many of those share their inode with nothing
 * (link count 1: copied afresh, not hard-linked; link-ratio.ts) and a random sample of
 * regular files for the spot check. The contents of other sources nested inside this one
 * are theirs: their directories are counted, not entered (as the engine copies them).
 * Names are bytes, as on disk.
 */
import { lstatSync, readdirSync } from 'node:fs';

export interface Census {
  /** Entries, the source's own directory included (comparable with rsync's "Number of files"). */
  entries: number;
  regular: number;
  /** Regular files with a link count of 1. */
  fresh: number;
  freshBytes: number;
  /** Relative paths of the sampled regular files. */
  sample: Buffer[];
}

const SLASH = Buffer.from('/');

/** `samplePct` of the regular files, each picked with that probability (`random` for tests). */
export function censusOf(root: string, inner: readonly string[], samplePct: number, random: () => number = Math.random): Census {
  const c: Census = { entries: 1, regular: 0, fresh: 0, freshBytes: 0, sample: [] };
  const skip = new Set(inner);
  const p = samplePct / 100;
  const stack: Buffer[] = [Buffer.alloc(0)];
  const base = Buffer.from(root);
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const abs = rel.length > 0 ? Buffer.concat([base, SLASH, rel]) : base;
    for (const d of readdirSync(abs, { withFileTypes: true, encoding: 'buffer' })) {
      c.entries++;
      const r = rel.length > 0 ? Buffer.concat([rel, SLASH, d.name]) : d.name;
      if (d.isDirectory()) {
        if (!skip.has(r.toString())) stack.push(r);
        continue;
      }
      if (!d.isFile()) continue;
      c.regular++;
      const st = lstatSync(Buffer.concat([base, SLASH, r]));
      if (st.nlink === 1) { c.fresh++; c.freshBytes += st.size; }
      if (p > 0 && random() < p) c.sample.push(r);
    }
  }
  return c;
}
