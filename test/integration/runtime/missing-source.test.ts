/**
 * A source that is not there (its disk not mounted, a typo) fails the run before anything
 * happens on the destination: no pruning, no partial for the next run to "resume", and the
 * existing snapshots untouched. A user sees one line naming the path.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';

const work = mkdtempSync(join(tmpdir(), 'linkdest-missing-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('a missing source: one line naming it, nothing pruned, no partial, older snapshots kept', async () => {
  const src = join(work, 'Apps');
  mkdirSync(src);
  writeFileSync(join(src, 'a.txt'), 'a\n');
  const cfg = (sources: string[]) => parseRuntimeConfig({
    name: 'set', destination: { path: join(work, 'dest') }, sources: sources.map((path) => ({ path })),
    // Thresholds no disk meets: any pruning that ran would delete the first snapshot.
    retention: { keep_min: 0, min_free_before: Number.MAX_SAFE_INTEGER, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
    log: { dir: join(work, 'log'), keep: 5 }, state_dir: join(work, 'state'),
  });
  mkdirSync(join(work, 'dest'));
  const log = () => createLogger({ stdout: false });
  // Two snapshots, so the impossible free-space threshold would have something to prune.
  for (let i = 0; i < 2; i++) expect((await backup({ ...cfg([src]), retention: { ...cfg([src]).retention, min_free_before: 0 } }, log())).errors).toEqual([]);
  const before = readdirSync(join(work, 'dest/set')).sort();

  const missing = join(work, 'not-mounted');
  const r = await backup(cfg([src, missing]), log());
  expect(r.errors).toEqual([`sources: ${missing}: not a directory on this host (not mounted? a typo?); nothing was pruned or written`]);
  expect(r.pruned).toEqual([]);
  expect(readdirSync(join(work, 'dest/set')).sort()).toEqual(before);
  expect(before.filter((n) => /^\d{4}-/.test(n))).toHaveLength(2);
});
