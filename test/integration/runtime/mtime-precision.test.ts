/**
 * A file rewritten with the same size within the same second as its previous copy: rsync's
 * default quick check (whole seconds) would hard-link the stale copy into the new snapshot.
 * Where the host's rsync and the backup filesystem allow, the engine compares nanoseconds
 * and copies it. On a real ext4 with 128-byte inodes (whole-second timestamps) it must not
 * (every file would look changed and be copied every night): it says so in the log and
 * still links unchanged files.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup } from '../../../runtime/backup.ts';
import { createLogger } from '../../../runtime/log.ts';
import { keepsNanoseconds, rsyncTakesNegativeWindow } from '../../../runtime/engine/mtime-precision.ts';
import { hasCommand, isRoot, rootNote, commandNote } from '../../support/needs.ts';
import { runConfig } from './support/run-config.ts';
import { makeSmallExt4, type SmallExt4 } from './support/small-ext4.ts';
import { describeTree, sharedWith } from './support/tree.ts';

const T0 = 1_767_261_600; // a whole second; the copies below differ only below it
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('rsyncTakesNegativeWindow', () => {
  test.each([
    ['rsync  version 3.1.2  protocol version 31', false],
    ['rsync  version 3.1.3  protocol version 31', true],
    ['rsync  version 3.2.7  protocol version 31', true],
    ['rsync  version v3.4.1  protocol version 32', true],
    ['rsync  version 4.0.0  protocol version 33', true],
    ['', false],
  ])('%s -> %s', (text, want) => {
    expect(rsyncTakesNegativeWindow(text)).toBe(want);
  });
});

/** Two snapshots; between them `counter` is rewritten, same size, same second, other nanoseconds. */
async function sameSecondRewrite(work: string, dest: string): Promise<{ latest: string; first: string; log: string }> {
  const src = join(work, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'counter'), 'run 1\n');
  writeFileSync(join(src, 'still.txt'), 'never changes\n');
  utimesSync(join(src, 'counter'), T0 + 0.25, T0 + 0.25);
  const cfg = runConfig(work, dest, [src], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: [] } });
  const log = createLogger({ stdout: false });
  const one = await backup(cfg, log);
  expect(one.errors).toEqual([]);
  await sleep(1100); // the next snapshot gets a later name, and the rewrite a later ctime
  writeFileSync(join(src, 'counter'), 'run 2\n');
  utimesSync(join(src, 'counter'), T0 + 0.75, T0 + 0.75);
  const two = await backup(cfg, log);
  expect(two.errors).toEqual([]);
  return { first: join(one.snapshot!, src), latest: join(two.snapshot!, src), log: log.text() };
}

describe.skipIf(!hasCommand('rsync'))(`same-size rewrite within one second${commandNote('rsync')}`, () => {
  let work: string;
  beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'linkdest-mtime-')); });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('a filesystem with nanosecond mtimes: the new content is copied, the unchanged file linked', async () => {
    const dest = join(work, 'dest');
    mkdirSync(dest);
    writeFileSync(join(dest, '.linkdest-backup'), '');
    expect(await keepsNanoseconds(dest), `${tmpdir()} should keep nanoseconds`).toBe(true);
    const r = await sameSecondRewrite(join(work, 'ns'), dest);
    expect(readFileSync(join(r.latest, 'counter'), 'utf8')).toBe('run 2\n');
    expect(readFileSync(join(r.first, 'counter'), 'utf8')).toBe('run 1\n');
    expect(sharedWith(describeTree(r.latest), describeTree(r.first))).toEqual(['still.txt']);
    expect(r.log).not.toMatch(/whole seconds/);
  });
});

describe.skipIf(!isRoot || !hasCommand('rsync') || !hasCommand('mkfs.ext4'))(`an ext4 with 128-byte inodes${rootNote()}${commandNote('rsync', 'mkfs.ext4')}`, () => {
  let disk: SmallExt4 | undefined;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-mtime-sec-'));
    disk = await makeSmallExt4({ mib: 32, inodeSize: 128 });
  });
  afterAll(async () => {
    await disk?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  test('whole-second timestamps: said in the log, unchanged files still linked, not copied every night', async () => {
    expect(await keepsNanoseconds(disk!.mnt)).toBe(false);
    const r = await sameSecondRewrite(work, disk!.mnt);
    expect(r.log).toMatch(/the backup filesystem stores whole-second mtimes only: rsync compares whole seconds/);
    expect(sharedWith(describeTree(r.latest), describeTree(r.first))).toContain('still.txt');
  });
});
