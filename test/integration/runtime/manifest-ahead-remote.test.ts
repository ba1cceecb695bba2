/**
 * The manifest's merge beside rsync for a source pulled over ssh (runtime/manifest/ahead.ts,
 * runtime/engine/remote-top-listing.ts), over a real loopback sshd: the pass's listings,
 * its top directory's included, let the merge take what was linked while rsync runs. rsync
 * is given that top directory as "." (all its children, --ignore-existing), so a child made
 * on the source after the listing reaches the copy's top unlisted: the merge ahead is then
 * dropped and the manifest made after the copy. Either way the manifest and the census equal
 * a fresh walk of the snapshot.
 */
import { appendFileSync, existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { readMetadata } from '../../../runtime/layout.ts';
import { setMergeAheadHooks } from '../../../runtime/test-points.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { sshdBed } from './support/sshd-bed.ts';
import { censusProblem, manifestProblem } from './support/engine-fuzz.ts';
import { loopbackRsh } from './support/remote-host.ts';
import { hashedSplit } from './support/rsync-hashes.ts';
import { runConfig } from './support/run-config.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot || !hasCommand('sshd') || !hasCommand('find'))(`the manifest merged beside rsync, remote source${rootNote()}`, () => {
  const bed = sshdBed('linkdest-ahead-remote-');
  let n = 0;
  afterEach(() => setMergeAheadHooks(undefined));

  /** Two runs; `meanwhile` changes the source after the listing, before rsync starts. */
  async function twoRuns(meanwhile?: (src: string) => void) {
    const dir = join(bed.work, `case${++n}`);
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub/deeper'), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(src, `top${i}.txt`), `top ${i}\n`);
    for (let i = 0; i < 20; i++) writeFileSync(join(src, 'sub', `s${i}`), `s ${i}\n`);
    for (let i = 0; i < 5; i++) writeFileSync(join(src, 'sub/deeper', `d${i}`), `d ${i}\n`);
    mkdirSync(join(dir, 'dest'));
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    const spec = `root@${bed.sshd.address}:${src}`;
    const cfg = runConfig(dir, join(dir, 'dest'), [spec], { rsync: { rsh: loopbackRsh(bed.sshd), acls: false, xattrs: false, extra_args: [] } });
    // Older than the ctime test's allowance for the source host's whole-second clock.
    await sleep(2100);
    expect((await backup(cfg, memoryLogger())).errors).toEqual([]);
    appendFileSync(join(src, 'top3.txt'), 'more\n');
    appendFileSync(join(src, 'sub/s7'), 'more\n');
    writeFileSync(join(src, 'sub/new.txt'), 'new\n');
    unlinkSync(join(src, 'sub/s9'));
    const stopped: string[] = [];
    let done!: () => void;
    const ran = new Promise<void>((r) => { done = r; });
    setMergeAheadHooks({
      stopped: (why) => { stopped.push(why); done(); },
      // rsync starts once the merge ahead has stopped (bounded: one that never starts fails below, not hangs).
      beforeRsync: async () => { await Promise.race([ran, sleep(20_000)]); meanwhile?.(src); },
    });
    const log = memoryLogger();
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    return { snap: second.snapshot!, spec, stopped, log: log.text(), copy: join(second.snapshot!, bed.sshd.address, src.slice(1)) };
  }

  test('nothing changes after the listing: the merge ahead is kept, only what rsync wrote is hashed', async () => {
    const { snap, spec, stopped, log } = await twoRuns();
    expect(stopped).toEqual(['walked']);
    const meta = (await readMetadata(snap))!;
    // Linked: top0-11 but top3 (11), sub/s0-s19 but s7 and s9 (18), sub/deeper (5).
    expect(meta.manifest!.alongsideLines).toBe(34);
    // What rsync wrote (top3, s7, new.txt) comes with its hash, the source host's rsync
    // being this one (which negotiates xxh128 when it has it).
    expect(meta.manifest).toMatchObject(hashedSplit(2 + 1));
    expect(log).toMatch(/34 lines merged while rsync ran/);
    expect(await manifestProblem(snap)).toBeUndefined();
    expect(await censusProblem(snap, [spec])).toBeUndefined();
  }, 120_000);

  test('a top-level file made on the source after the listing: rsync brings it to the top unlisted, the merge ahead is dropped, the manifest is right', async () => {
    const { snap, spec, stopped } = await twoRuns((src) => writeFileSync(join(src, 'late.txt'), 'late\n'));
    expect(stopped).toEqual(['walked']);
    const meta = (await readMetadata(snap))!;
    expect(meta.manifest!.alongsideLines).toBeUndefined();
    expect(await manifestProblem(snap)).toBeUndefined();
    expect(await censusProblem(snap, [spec])).toBeUndefined();
  }, 120_000);

  test('a top-level file removed from the source after the listing stays as linked (as of the listing): the listing holds, the merge ahead is kept', async () => {
    const { snap, spec, stopped, copy } = await twoRuns((src) => unlinkSync(join(src, 'top5.txt')));
    expect(stopped).toEqual(['walked']);
    expect(existsSync(join(copy, 'top5.txt'))).toBe(true);
    expect((await readMetadata(snap))!.manifest!.alongsideLines).toBe(34);
    expect(await manifestProblem(snap)).toBeUndefined();
    expect(await censusProblem(snap, [spec])).toBeUndefined();
  }, 120_000);
});
