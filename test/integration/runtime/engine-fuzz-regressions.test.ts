/**
 * Every case the engine's differential fuzzer (support/engine-fuzz.ts) ever failed on, as
 * fast-check shrank it, replayed by name. The first two were found by re-introducing
 * issue 11's defects 3 and 1 into the fixed engine (a check that the fuzzer can see them);
 * the third broke the fuzzer's own tree builder (a name that is not UTF-8); the fourth, the
 * manifest's merge beside rsync once it ran for several sources (manifest/ahead-gate.ts).
 */
import { describe, test } from 'vitest';
import { runCase, type FuzzCase } from './support/engine-fuzz.ts';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const quiet = { extraArgs: [], excludes: [], sourceExcludes: [], nested: undefined, oneFileSystem: false, acls: false, xattrs: false };
const empty = { dirs: [], files: [], symlinks: [], hardlinks: [] };

const cases: [string, FuzzCase][] = [
  ['seed 3: a new file and its hard-link twin in a new directory are one inode (defect 3)', {
    tree: empty, mutations: [{ op: 'newDirWithTwins', at: 0, name: 0, old: 0 }], settings: quiet,
  }],
  ['seed 3: --delete-excluded in extra_args keeps the tree (here one symlink) instead of deleting it (defect 1)', {
    tree: { ...empty, symlinks: [{ parent: 0, name: 0, target: 0 }] }, mutations: [], settings: { ...quiet, extraArgs: ['--delete-excluded'] },
  }],
  ['seed 1: a file whose name is not UTF-8, with an xattr', {
    tree: { ...empty, files: [{ parent: 0, name: 14, size: 0, mode: 0o644, fill: 0, xattr: true, acl: false, owner: 0 }] }, mutations: [], settings: quiet,
  }],
  ['seed 20261203: the merge beside the inner source\'s rsync met its copy under a top read as bytes (a name not UTF-8) and read it ahead, counting 1 entry of 2', {
    tree: { ...empty, dirs: [{ parent: 0, name: 0, mode: 0o755 }, { parent: 0, name: 14, mode: 0o755 }], symlinks: [{ parent: 352, name: 0, target: 0 }] },
    mutations: [], settings: { ...quiet, nested: [] },
  }],
];

describe.skipIf(!isRoot || !hasCommand('setfacl') || !hasCommand('setfattr'))(`fuzzer regressions${rootNote()}${commandNote('setfacl', 'setfattr')}`, () => {
  test.each(cases)('%s', async (_name, c) => {
    await runCase(c);
  });
});
