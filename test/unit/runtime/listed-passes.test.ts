/**
 * The rsync passes after a pre-link pass (runtime/engine/listed-passes.ts): what each list
 * file holds and how each pass is run, for a local source (the top directory in a pass of its
 * own) and a remote one (the top directory in the listed pass: one ssh connection less).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { listedPasses } from '../../../runtime/engine/listed-passes.ts';
import type { PrelinkResult } from '../../../runtime/engine/prelink.ts';
import type { RsyncFlags } from '../../../runtime/engine/rsync-args.ts';

const listDir = mkdtempSync(join(tmpdir(), 'listed-passes-'));
afterAll(() => rmSync(listDir, { recursive: true, force: true }));
const flags: RsyncFlags = { acls: false, xattrs: false, oneFileSystem: false, excludes: [], extraArgs: [], rsh: ['ssh'], remote: true };
const pre: PrelinkResult = {
  dirs: ['.', 'a', 'a/b'], others: ['top-new', 'a/changed', Buffer.from('a/bad\xff', 'latin1')], newDirs: ['a/new'], multiLinked: ['twin'],
  filesLinked: 0, bytesLinked: 0, linkLimit: 0, warnings: [], threads: 1, listings: [],
};
const listOf = (args: string[]): string[] => {
  const file = args.find((a) => a.startsWith('--files-from='))!.slice('--files-from='.length);
  return readFileSync(file).toString('latin1').split('\0').slice(0, -1);
};

describe('listed passes', () => {
  test('remote: new subtrees first, then "." with everything below the top, never a linked file touched', async () => {
    const passes = await listedPasses(pre, { flags, srcArg: 'h:/Apps', dest: '/n', prev: '/p', listDir, rootInRest: true });
    expect(passes).toHaveLength(2);
    expect(passes[0]).toContain('-r');
    expect(listOf(passes[0]!)).toEqual(['a/new', 'twin']);
    expect(passes[1]).toContain('--no-r');
    expect(passes[1]).toContain('--ignore-existing');
    // The top's children come with "." (listed again, rsync would count them twice).
    expect(listOf(passes[1]!)).toEqual(['.', 'a/b', 'a/changed', 'a/bad\xff']);
    expect(passes[1]!.slice(-2)).toEqual(['h:/Apps/', '/n/']);
  });

  test('local: the top directory alone in a last pass, every child excluded', async () => {
    const passes = await listedPasses(pre, { flags: { ...flags, remote: false }, srcArg: '/Apps', dest: '/n', prev: '/p', listDir, rootInRest: false });
    expect(passes).toHaveLength(3);
    expect(listOf(passes[1]!)).toEqual(['a', 'a/b', 'top-new', 'a/changed', 'a/bad\xff']);
    expect(passes[1]).not.toContain('--ignore-existing');
    expect(passes[2]).toContain('--exclude=/*');
  });
});
