/**
 * The engine against bare rsync on generated trees, settings and mutations (issue 11; see
 * support/engine-fuzz.ts for the generators and invariants I1-I4). A fixed seed, so CI runs
 * the same cases every time; `npm run fuzz:engine -- --cases N --seed S` runs more.
 * A failure prints fast-check's shrunk case and the seed/path to replay it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { engineProperty, freshBundle, fuzzCounts } from './support/engine-fuzz.ts';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const CASES = Number(process.env.LINKDEST_FUZZ_CASES ?? 200);
const SEED = Number(process.env.LINKDEST_FUZZ_SEED ?? 20261203);
const BUNDLE_CASES = Number(process.env.LINKDEST_FUZZ_BUNDLE_CASES ?? 25);

describe.skipIf(!isRoot || !hasCommand('setfacl') || !hasCommand('setfattr'))(`engine vs bare rsync, generated cases${rootNote()}${commandNote('setfacl', 'setfattr')}`, () => {
  test(`${CASES} generated cases, seed ${SEED}: I1-I6 hold`, async () => {
    const before = fuzzCounts.manifestLinked;
    const aheadBefore = fuzzCounts.mergedAhead;
    const rsyncBefore = fuzzCounts.hashedByRsync;
    await fc.assert(engineProperty(), { numRuns: CASES, seed: SEED, endOnFailure: false });
    // And most manifests took the hashes of what rsync wrote from rsync (engine/transfer-sums.ts): I5 checked them against the bytes.
    expect(fuzzCounts.hashedByRsync - rsyncBefore).toBeGreaterThanOrEqual(Math.ceil(CASES / 4));
    // I5 proved something only if manifests did take lines for pre-linked files unstatted.
    expect(fuzzCounts.manifestLinked - before).toBeGreaterThanOrEqual(Math.ceil(CASES / 40));
    // And some of those merged beside rsync (manifest/ahead.ts): I5 and I6 covered that path too.
    expect(fuzzCounts.mergedAhead - aheadBefore).toBeGreaterThanOrEqual(Math.ceil(CASES / 80));
  }, 1_800_000);

  // The same property through the shipped bundle, as `linkdest-runtime --config FILE run`
  // (lock, guard, CLI, exit codes): fewer cases, each starts Node twice.
  describe('as a user runs it', () => {
    let bundle: string;
    beforeAll(() => { bundle = freshBundle(); });
    afterAll(() => rmSync(dirname(bundle), { recursive: true, force: true }));
    test(`${BUNDLE_CASES} generated cases through the bundle, seed ${SEED + 1}: I1-I6 hold`, async () => {
      await fc.assert(engineProperty({ via: 'bundle', bundle }), { numRuns: BUNDLE_CASES, seed: SEED + 1, endOnFailure: false });
    }, 1_800_000);
  });
});
