/**
 * Reading a snapshot's manifest as a stream of entries, never whole in memory.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { MANIFEST_FILE, parseEntry, parseHeader, type ManifestEntry } from './format.ts';

export interface OpenManifest {
  algorithm: string;
  entries: AsyncGenerator<ManifestEntry>;
}

/** The manifest of `snapshotDir`, or undefined when it has none (made before manifests). */
export async function openManifest(snapshotDir: string): Promise<OpenManifest | undefined> {
  const file = join(snapshotDir, MANIFEST_FILE);
  const input = createReadStream(file);
  const opened = await new Promise<boolean>((resolve, reject) => {
    input.once('open', () => resolve(true));
    input.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? resolve(false) : reject(e)));
  });
  if (!opened) return undefined;
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  const algorithm = first.done ? undefined : parseHeader(first.value);
  if (!algorithm) {
    input.destroy();
    throw new Error(`${file}: not a linkdest manifest (first line ${JSON.stringify(first.done ? '' : first.value.slice(0, 80))})`);
  }
  async function* entries(): AsyncGenerator<ManifestEntry> {
    try {
      for (let l = await lines.next(); !l.done; l = await lines.next()) if (l.value !== '') yield parseEntry(l.value);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    } finally {
      input.destroy();
    }
  }
  return { algorithm, entries: entries() };
}
