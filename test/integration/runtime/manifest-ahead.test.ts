/**
 * The manifest's merge beside rsync (runtime/manifest/ahead.ts, write.ts `speculate`): while
 * rsync copies what the pre-link pass left, the manifest merges what that pass linked, and
 * looks at everything rsync may be writing only once rsync has exited. Here the merge is let
 * run to its end (or to a cap) before rsync starts, so every kind of entry rsync writes meets
 * it as held-for-later: a rewritten, appended, renamed, chmodded file, a new file, a new
 * directory tree, a removed tree, a file that became a directory and one that went the other
 * way, a name with "%", and a directory holding a name that is not UTF-8. The manifest and the
 * census must still equal a walk of the snapshot with fresh hashes. Real runs, real rsync.
 */
import { expect, test } from 'vitest';
import { hashedSplit } from './support/rsync-hashes.ts';
import { appendFileSync, chmodSync, linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { readMetadata } from '../../../runtime/layout.ts';
import { setManifestStatHook, setMergeAheadHooks } from '../../../runtime/test-points.ts';
import { censusProblem, manifestProblem } from './support/engine-fuzz.ts';
import { runConfig } from './support/run-config.ts';
import { ManifestTestWork } from './support/manifest-test-work.ts';
import { commandNote, hasCommand } from '../../support/needs.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const work = new ManifestTestWork();

async function scenario(limit?: number): Promise<{ snap: string; src: string; stopped: string[]; statsBeforeRsync: number; log: string }> {
  const dir = work.fresh('linkdest-ahead-');
  const src = join(dir, 'src');
  const dest = join(dir, 'dest');
  for (const d of ['a/b', 'gone', 'becomes-file', 'keep']) mkdirSync(join(src, d), { recursive: true });
  mkdirSync(dest);
  writeFileSync(join(dest, '.linkdest-backup'), '');
  for (let i = 0; i < 30; i++) writeFileSync(join(src, 'a', `f${i}`), Buffer.alloc(i * 97, i));
  for (let i = 0; i < 10; i++) writeFileSync(join(src, 'a/b', `g${i}`), `g ${i}`);
  for (let i = 0; i < 5; i++) writeFileSync(join(src, 'gone', `h${i}`), `h ${i}`);
  for (let i = 0; i < 40; i++) writeFileSync(join(src, 'keep', `k${i}`), `k ${i}`);
  writeFileSync(join(src, 'a/p%q'), 'percent');
  writeFileSync(join(src, 'becomes-dir'), 'a file first');
  writeFileSync(join(src, 'becomes-file/x'), 'x');
  writeFileSync(join(src, 'hl1'), 'linked twice');
  linkSync(join(src, 'hl1'), join(src, 'hl2'));
  const cfg = runConfig(dir, dest, [src], { rsync: { acls: false, xattrs: false } });
  const log = createLogger({ stdout: false });
  expect((await backup(cfg, log)).errors).toEqual([]);
  await sleep(1100);

  writeFileSync(join(src, 'a/f3'), 'rewritten, another size');
  appendFileSync(join(src, 'a/b/g1'), ' more');
  renameSync(join(src, 'a/f5'), join(src, 'a/f5r'));
  chmodSync(join(src, 'a/f6'), 0o600);
  writeFileSync(join(src, 'a/new.txt'), 'new');
  mkdirSync(join(src, 'a/nd/sub'), { recursive: true });
  writeFileSync(join(src, 'a/nd/x'), 'nd x');
  writeFileSync(join(src, 'a/nd/sub/y'), 'nd y');
  writeFileSync(join(src, 'a/p%q'), 'percent, changed');
  rmSync(join(src, 'gone'), { recursive: true });
  rmSync(join(src, 'becomes-dir'));
  mkdirSync(join(src, 'becomes-dir'));
  writeFileSync(join(src, 'becomes-dir/z'), 'z');
  rmSync(join(src, 'becomes-file'), { recursive: true });
  writeFileSync(join(src, 'becomes-file'), 'a file now');
  // A name that is not UTF-8: its directory gets no listing, the manifest reads it by bytes.
  writeFileSync(Buffer.concat([Buffer.from(join(src, 'keep/')), Buffer.from([0x6e, 0xff, 0x6d])]), 'latin-1 name');

  const stopped: string[] = [];
  let statted = 0;
  let statsBeforeRsync = -1;
  let done!: () => void;
  const ran = new Promise<void>((r) => { done = r; });
  setManifestStatHook(() => { statted++; });
  setMergeAheadHooks({
    limit,
    stopped: (why) => { stopped.push(why); done(); },
    // rsync starts once the merge ahead has stopped (bounded: a merge that never starts fails below, not hangs).
    beforeRsync: async () => { await Promise.race([ran, sleep(20_000)]); statsBeforeRsync = statted; },
  });
  const second = await backup(cfg, log);
  expect(second.errors).toEqual([]);
  return { snap: second.snapshot!, src, stopped, statsBeforeRsync, log: log.text() };
}

test.skipIf(!hasCommand('rsync'))(`merged to its end before rsync starts, the manifest and the census equal a walk of the snapshot${commandNote('rsync')}`, async () => {
  const { snap, src, stopped, statsBeforeRsync, log } = await scenario();
  expect(stopped).toEqual(['walked']);
  // Nothing of the new tree was statted before rsync ran: the merge ahead looked only at what the pass linked.
  expect(statsBeforeRsync).toBe(0);
  const meta = (await readMetadata(snap))!;
  // Every file the pass linked: a/f0-f29 but f3, f5 and f6 (27), a/b/g0-g9 but g1 (9); keep/
  // holds a name that is not UTF-8, so it has no listing and is looked at after rsync.
  expect(meta.manifest!.alongsideLines).toBe(36);
  expect(log).toMatch(/lines merged while rsync ran/);
  // Hashed: only what rsync wrote (f3, f5r, g1, p%q, new.txt, nd/x, nd/sub/y, becomes-dir/z,
  // becomes-file, the new name in keep/), by rsync as it wrote them, and f6, read back: only its
  // mode changed, so rsync copied the previous copy locally and printed no hash. The rest,
  // held or not, kept its hash.
  expect(meta.manifest).toMatchObject(hashedSplit(10, 1));
  expect(await manifestProblem(snap)).toBeUndefined();
  expect(await censusProblem(snap, [src])).toBeUndefined();
}, 120_000);

test.skipIf(!hasCommand('rsync'))(`a merge ahead stopped at its cap goes on after the copy, and the manifest is the same${commandNote('rsync')}`, async () => {
  const { snap, src, stopped } = await scenario(5);
  expect(stopped).toEqual(['held']);
  const meta = (await readMetadata(snap))!;
  expect(meta.manifest!.alongsideLines).toBeLessThanOrEqual(5);
  expect(await manifestProblem(snap)).toBeUndefined();
  expect(await censusProblem(snap, [src])).toBeUndefined();
}, 120_000);
