/**
 * Which snapshots of a set are suspect (the emptied-source guard marked them in their
 * metadata, shrink-rule.ts, and the admin has not accepted them, accepted.ts), and the
 * newest good one: the link source and the baseline of the next run. A suspect snapshot is
 * never the baseline, so a source that stays unmounted night after night keeps being
 * flagged instead of becoming the new normal.
 */
import { join } from 'node:path';
import { readMetadata } from './layout.ts';
import { readAccepted } from './accepted.ts';

/** Suspect snapshots among `complete`, with the reasons recorded in each. */
export async function suspectSnapshots(dir: string, complete: readonly string[]): Promise<Map<string, string[]>> {
  const accepted = await readAccepted(dir);
  const out = new Map<string, string[]>();
  for (const name of complete) {
    if (accepted.has(name)) continue;
    const reasons = (await readMetadata(join(dir, name)))?.suspect;
    if (Array.isArray(reasons) && reasons.length > 0) out.set(name, reasons);
  }
  return out;
}

/** The newest complete snapshot that is not suspect (oldest-first input). */
export async function newestGood(dir: string, complete: readonly string[]): Promise<string | undefined> {
  const suspect = await suspectSnapshots(dir, complete);
  return [...complete].reverse().find((n) => !suspect.has(n));
}
