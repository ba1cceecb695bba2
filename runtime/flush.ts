/**
 * Getting a snapshot onto the disk before it is declared complete. `syncFilesystem` is
 * syncfs(2) on the filesystem holding `path` (coreutils `sync --file-system`; Node has no
 * syncfs): one call flushes every file the run wrote, far cheaper than an fsync per file.
 * `fsyncDir` makes a rename or a new symlink in `dir` durable.
 */
import { open } from 'node:fs/promises';
import { run } from './exec.ts';

export async function syncFilesystem(path: string): Promise<void> {
  const r = await run(['sync', '--file-system', path]);
  if (r.code !== 0) throw new Error(`cannot flush the backup filesystem (sync --file-system ${path}): ${r.stderr.trim() || `exit ${r.code}`}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}
