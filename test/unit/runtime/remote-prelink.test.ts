/**
 * The remote pre-link pass (runtime/engine/remote-prelink.ts), fed GNU find's real listing of
 * a tree, decides as the local walk (prelink.ts) does on the same tree: the same files linked,
 * the same lists left to rsync (directories, changed and non-regular entries, new
 * directories, multiply-linked files, names that are not UTF-8), inner sources not descended.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { prelink, type ListedPath, type PrelinkResult } from '../../../runtime/engine/prelink.ts';
import { LISTING_FORMAT, parseListing } from '../../../runtime/engine/remote-listing.ts';
import { RemotePrelinker } from '../../../runtime/engine/remote-prelink.ts';

const sorted = (xs: ListedPath[]): string[] => xs.map((x) => Buffer.from(x).toString('latin1')).sort();
const lists = (r: PrelinkResult) => ({
  dirs: sorted(r.dirs), others: sorted(r.others), newDirs: sorted(r.newDirs), multiLinked: sorted(r.multiLinked), filesLinked: r.filesLinked, bytesLinked: r.bytesLinked,
});

describe('remote pre-link from a listing = the local walk', () => {
  test('a tree with every kind of entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'remote-prelink-'));
    try {
      const src = join(dir, 'src');
      const prev = join(dir, 'prev');
      for (const d of ['sub/deep', 'inner/x', 'gone-in-prev']) mkdirSync(join(src, d), { recursive: true });
      for (const f of ['keep', 'change', 'sub/keep', 'sub/deep/keep', 'sub/chmod', 'inner/x/f', 'gone-in-prev/f']) writeFileSync(join(src, f), `${f}\n`);
      symlinkSync('keep', join(src, 'link'));
      writeFileSync(join(src, 'twin1'), 'twin\n');
      linkSync(join(src, 'twin1'), join(src, 'sub/twin2'));
      writeFileSync(Buffer.from(`${src}/sub/bad\xff`, 'latin1'), 'x');
      mkdirSync(Buffer.from(`${src}/bad-dir\xfe`, 'latin1'));
      execFileSync('cp', ['-a', src, prev]);
      rmSync(join(prev, 'gone-in-prev'), { recursive: true });
      await new Promise((r) => setTimeout(r, 20));
      const startedMs = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      appendFileSync(join(src, 'change'), 'more');
      execFileSync('chmod', ['600', join(src, 'sub/chmod')]);
      mkdirSync(join(src, 'sub/newdir'));
      writeFileSync(join(src, 'sub/newdir/n'), 'n');
      writeFileSync(join(src, 'sub/new'), 'new');

      const local = await prelink({ src, prev, dest: join(dir, 'd1'), prevStartedMs: startedMs, oneFileSystem: false, compareOwner: true, skip: ['inner'] });
      const remote = new RemotePrelinker({ prev, dest: join(dir, 'd2'), compareOwner: true, skip: ['inner'] });
      remote.startNs = BigInt(startedMs) * 1_000_000n;
      for (const e of parseListing(execFileSync('find', [src, '-printf', LISTING_FORMAT, '-print0'], { maxBuffer: 1 << 26 }), src)) remote.entry(e);

      expect(lists(remote.result)).toEqual(lists(local));
      expect(lists(remote.result)).toMatchObject({
        filesLinked: 3,
        newDirs: ['bad-dir\xfe', 'gone-in-prev', 'sub/newdir'],
        multiLinked: ['sub/twin2', 'twin1'],
        others: ['change', 'link', 'sub/bad\xff', 'sub/chmod', 'sub/new'],
      });
      expect(statSync(join(dir, 'd2/sub/deep/keep')).ino).toBe(statSync(join(prev, 'sub/deep/keep')).ino);
      // Top-level files linked or in the first pass: the rest pass's "." sees them again.
      expect(remote.topCountedTwice.files).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
