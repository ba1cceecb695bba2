/**
 * Sampled verify: inodes fall into ceil(100 / pct) buckets by a fixed hash of the inode
 * number, and each sampled run reads the next bucket. An inode that lives through that
 * many runs is therefore read once in every cycle, whatever the set's size; the position
 * in the cycle is kept beside the snapshots (`.linkdest-verify-state.json`).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const VERIFY_STATE_FILE = '.linkdest-verify-state.json';

export interface SampleChoice {
  buckets: number;
  bucket: number;
}

export function bucketCount(pct: number): number {
  return Math.ceil(100 / pct);
}

/** The bucket of an inode: a multiplicative hash, so consecutive inode numbers spread out. */
export function bucketOf(ino: bigint, buckets: number): number {
  return Number(((ino * 2654435761n) & 0xffffffffn) >> 8n) % buckets;
}

interface RotationState { buckets: number; next: number }

/** Which bucket this run reads, and the state to store after it; a new bucket count restarts the cycle. */
export function nextSample(state: RotationState | undefined, buckets: number): { choice: SampleChoice; after: RotationState } {
  const bucket = state && state.buckets === buckets && Number.isInteger(state.next) && state.next >= 0 && state.next < buckets ? state.next : 0;
  return { choice: { buckets, bucket }, after: { buckets, next: (bucket + 1) % buckets } };
}

export async function readRotation(setDir: string): Promise<RotationState | undefined> {
  try {
    return JSON.parse(await readFile(join(setDir, VERIFY_STATE_FILE), 'utf8')) as RotationState;
  } catch {
    return undefined;
  }
}

export async function writeRotation(setDir: string, s: RotationState): Promise<void> {
  const tmp = join(setDir, `${VERIFY_STATE_FILE}.tmp-${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(s)}\n`, { mode: 0o600 });
  await rename(tmp, join(setDir, VERIFY_STATE_FILE));
}
