/**
 * The remote fast path (a source pulled over ssh, pre-linked from the source host's listing:
 * runtime/engine/remote-pass.ts) against bare `rsync -e ssh --link-dest` from the same loopback
 * sshd, on generated trees, settings and mutations (support/engine-fuzz.ts, invariants I1-I4):
 * once with an unrestricted key (`root@host:/path`, rsync.rsh), once with the pull key
 * restricted by its forced command as apply installs it (provision/pull/check-script.ts).
 * A fixed seed, so CI runs the same cases every time;
 * `npm run fuzz:engine -- --remote --cases N --seed S` runs more.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { engineProperty, fuzzCounts } from './support/engine-fuzz.ts';
import { remoteHost } from './support/remote-host.ts';
import { startLoopbackSshd, type LoopbackSshd } from '../transport/loopback-sshd.ts';
import { commandNote, hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const CASES = Number(process.env.LINKDEST_FUZZ_REMOTE_CASES ?? 15);
const SEED = Number(process.env.LINKDEST_FUZZ_SEED ?? 20261203);

describe.skipIf(!isRoot || !hasCommand('sshd') || !hasCommand('setfacl') || !hasCommand('setfattr'))(
  `remote source: engine vs bare rsync -e ssh, generated cases${rootNote()}${commandNote('sshd', 'setfacl', 'setfattr')}`, () => {
    let sshd: LoopbackSshd;
    beforeAll(async () => { sshd = await startLoopbackSshd(); });
    afterAll(async () => { await sshd?.stop(); });

    test(`${CASES} generated cases over an unrestricted key, seed ${SEED}: I1-I4 hold`, async () => {
      const before = fuzzCounts.remotePrelinked;
      const aheadBefore = fuzzCounts.mergedAhead;
      await fc.assert(engineProperty({ via: 'process', remote: remoteHost(sshd, false) }), { numRuns: CASES, seed: SEED, endOnFailure: false });
      // Not all mirrored (many generated settings force the mirror): files were pre-linked from the listing.
      expect(fuzzCounts.remotePrelinked - before).toBeGreaterThanOrEqual(2);
      // And the manifest merged beside rsync with the listings, the top directory's included (I5, I6 checked it).
      expect(fuzzCounts.mergedAhead - aheadBefore).toBeGreaterThanOrEqual(1);
    }, 1_800_000);

    test(`${CASES} generated cases through the pull key's forced command, seed ${SEED + 2}: I1-I4 hold`, async () => {
      const before = fuzzCounts.remotePrelinked;
      await fc.assert(engineProperty({ via: 'process', remote: remoteHost(sshd, true) }), { numRuns: CASES, seed: SEED + 2, endOnFailure: false });
      // Not all mirrored (many generated settings force the mirror): files were pre-linked from the listing.
      expect(fuzzCounts.remotePrelinked - before).toBeGreaterThanOrEqual(2);
    }, 1_800_000);
  });
