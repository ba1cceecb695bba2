/**
 * The manifest's merge beside rsync in a run of several sources (runtime/manifest/ahead-gate.ts):
 * two local sources, copied one after the other. The merge starts when the second one's pass
 * hands over its listings; the first is copied by then, so its entries are looked at at once,
 * while the second's, which rsync may still be writing, are held for after it. If that rsync
 * fails, the source's previous copy is carried over into its subtree and the merge ahead must
 * be dropped: a file deleted on the source comes back from the previous snapshot, and the
 * listing the merge walked does not have it. Real runs, real rsync.
 */
import { expect, test } from 'vitest';
import { hashedSplit } from './support/rsync-hashes.ts';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { readMetadata, sourceSubdir } from '../../../runtime/layout.ts';
import { setManifestStatHook, setMergeAheadHooks } from '../../../runtime/test-points.ts';
import { censusProblem, manifestProblem } from './support/engine-fuzz.ts';
import { runConfig } from './support/run-config.ts';
import { ManifestTestWork } from './support/manifest-test-work.ts';
import { commandNote, hasCommand } from '../../support/needs.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const work = new ManifestTestWork();

interface Outcome { snap: string; one: string; two: string; stopped: string[]; before: string[]; log: string; warnings: string[] }

/** `rsyncOfTwo`: what happens once the merge ahead has stopped, just before the second source's rsync. */
async function scenario(rsyncOfTwo: (two: string) => void = () => undefined): Promise<Outcome> {
  const dir = work.fresh('linkdest-ahead2-');
  const one = join(dir, 'one');
  const two = join(dir, 'two');
  const dest = join(dir, 'dest');
  for (const d of [join(one, 'a'), join(two, 'b')]) mkdirSync(d, { recursive: true });
  mkdirSync(dest);
  writeFileSync(join(dest, '.linkdest-backup'), '');
  for (let i = 0; i < 20; i++) writeFileSync(join(one, 'a', `f${i}`), `one ${i}`);
  for (let i = 0; i < 15; i++) writeFileSync(join(two, 'b', `g${i}`), `two ${i}`);
  const cfg = runConfig(dir, dest, [one, two], { rsync: { acls: false, xattrs: false } });
  const log = createLogger({ stdout: false });
  expect((await backup(cfg, log)).errors).toEqual([]);
  await sleep(1100);

  appendFileSync(join(one, 'a/f1'), ' more');
  writeFileSync(join(one, 'a/new'), 'new in one');
  appendFileSync(join(two, 'b/g2'), ' more');
  rmSync(join(two, 'b/g3'));

  const stopped: string[] = [];
  const statted: string[] = [];
  let before: string[] = [];
  let done!: () => void;
  const ran = new Promise<void>((r) => { done = r; });
  let rsyncs = 0;
  setManifestStatHook((p) => { statted.push(p.toString()); });
  setMergeAheadHooks({
    stopped: (why) => { stopped.push(why); done(); },
    // The first source's rsync runs at once; the second's once the merge ahead has stopped.
    beforeRsync: async () => {
      if (++rsyncs === 1) return;
      await Promise.race([ran, sleep(20_000)]);
      before = [...statted];
      rsyncOfTwo(two);
    },
  });
  const second = await backup(cfg, log);
  return { snap: second.snapshot!, one, two, stopped, before, log: log.text(), warnings: second.warnings };
}

test.skipIf(!hasCommand('rsync'))(`two sources: the merge runs beside the second rsync, looks at the first copy at once, holds the second${commandNote('rsync')}`, async () => {
  const { snap, one, two, stopped, before, log } = await scenario();
  expect(stopped).toEqual(['walked']);
  const meta = (await readMetadata(snap))!;
  // Linked by the passes: 19 of one's files (f1 changed), 13 of two's (g2 changed, g3 gone).
  expect(meta.manifest!.alongsideLines).toBe(32);
  expect(log).toMatch(/32 lines merged while rsync ran/);
  // Looked at before the second rsync: only what the first one wrote (f1 and new), nothing of the second copy.
  expect(before.length).toBe(2);
  for (const p of before) expect(p).toContain(`/${sourceSubdir(one)}/a/`);
  expect(meta.manifest).toMatchObject(hashedSplit(3));
  expect(await manifestProblem(snap)).toBeUndefined();
  expect(await censusProblem(snap, [one, two])).toBeUndefined();
}, 120_000);

test.skipIf(!hasCommand('rsync'))(`the second source fails after its listing: its previous copy is carried over, the merge ahead is dropped, and the manifest has every file${commandNote('rsync')}`, async () => {
  const { snap, two, stopped, log, warnings } = await scenario((src) => rmSync(src, { recursive: true }));
  expect(stopped).toEqual(['walked']);
  expect(warnings.join('\n')).toMatch(/kept in this snapshot/);
  expect(log).not.toMatch(/lines merged while rsync ran/);
  // g3 was deleted on the source before the run; the carried-over copy has it again, and
  // the manifest (equal to a fresh walk) lists it.
  expect(existsSync(join(snap, sourceSubdir(two), 'b/g3'))).toBe(true);
  expect(await manifestProblem(snap)).toBeUndefined();
}, 120_000);
