/**
 * Reading a snapshot's manifest as a stream, never whole in memory: entries come in batches
 * (one per decompressed chunk), which keeps the per-line cost of a million lines low.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { MANIFEST_FILE, parseEntry, parseHeader, parseLine, type ManifestEntry, type ManifestLine } from './format.ts';

export interface OpenManifest {
  algorithm: string;
  batches: AsyncGenerator<ManifestEntry[]>;
  entries: AsyncGenerator<ManifestEntry>;
  /** The same lines, checked but left as text (format.ts parseLine): what a run's merge reads. */
  lines: AsyncGenerator<ManifestLine[]>;
}

const CHUNK = 64 << 10;

async function* lineBatches(file: string): AsyncGenerator<string[]> {
  // 64 KiB inflated at a time, not zlib's 16 KiB: per chunk, the stream, the split and a
  // batch cost the same whatever its size. Not more: measured on a million files, 1 MiB
  // chunks here and in write.ts raised the run's peak RSS from about 195 to 245 MB (the
  // lines of a chunk live as long as its batch, and garbage grows with them).
  const input = createReadStream(file, { highWaterMark: CHUNK });
  const gunzip = createGunzip({ chunkSize: CHUNK });
  input.on('error', (e) => gunzip.destroy(e));
  let rest = '';
  try {
    for await (const chunk of input.pipe(gunzip).setEncoding('utf8') as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      if (lines.length > 0) yield lines;
    }
    if (rest !== '') yield [rest];
  } finally {
    input.destroy();
  }
}

/** The manifest of `snapshotDir`, or undefined when it has none (made before manifests). */
export async function openManifest(snapshotDir: string): Promise<OpenManifest | undefined> {
  const file = join(snapshotDir, MANIFEST_FILE);
  const lines = lineBatches(file);
  let first: IteratorResult<string[]>;
  try {
    first = await lines.next();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  const head = first.done ? [] : first.value;
  const algorithm = head.length > 0 ? parseHeader(head[0]!) : undefined;
  if (!algorithm) {
    await lines.return(undefined);
    throw new Error(`${file}: not a linkdest manifest (first line ${JSON.stringify((head[0] ?? '').slice(0, 80))})`);
  }
  async function* batches<E>(parse: (line: string) => E): AsyncGenerator<E[]> {
    try {
      const each = (ls: string[]): E[] => ls.filter((l) => l !== '').map(parse);
      yield each(head.slice(1));
      for (let b = await lines.next(); !b.done; b = await lines.next()) yield each(b.value);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    } finally {
      await lines.return(undefined);
    }
  }
  // One stream of lines underneath: a reader takes either the entries or the raw lines.
  const all = batches(parseEntry);
  async function* entries(): AsyncGenerator<ManifestEntry> {
    for await (const b of all) yield* b;
  }
  return { algorithm, batches: all, entries: entries(), lines: batches(parseLine) };
}
