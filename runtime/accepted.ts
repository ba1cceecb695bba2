/**
 * Accepted suspect snapshots: the admin's word that a shrink the emptied-source guard
 * flagged was meant (data deleted on purpose), written by `linkdest-runtime accept`. Like a
 * pin (pins.ts) it is a file beside the snapshots, DEST/NAME/.accepted/STAMP, because a
 * committed snapshot's tree is never written again. An accepted snapshot counts as a good
 * one from then on (suspect.ts).
 */
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseStamp } from './layout.ts';

export const ACCEPTED_DIR = '.accepted';

export async function readAccepted(setDir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(join(setDir, ACCEPTED_DIR))).filter((n) => parseStamp(n)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw e;
  }
}

export async function writeAccepted(setDir: string, name: string): Promise<void> {
  if (!parseStamp(name)) throw new Error(`${name}: not a snapshot name`);
  const dir = join(setDir, ACCEPTED_DIR);
  await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  await unlink(tmp).catch(() => undefined);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify({ acceptedAt: new Date().toISOString() })}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
}
