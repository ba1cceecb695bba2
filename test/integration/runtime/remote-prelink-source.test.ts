/**
 * A remote source pre-linked from the source host's listing (runtime/engine/remote-pass.ts),
 * over a real loopback sshd: unchanged files are linked before rsync runs (one connection
 * for the listing, one for rsync, given only the new and changed entries), changed, new and
 * deleted ones come out as bare rsync's; behind the pull key's forced command the same (rsync
 * then checks the whole tree, skipping what was linked); and a source host whose forced command
 * predates the listing (it refuses it) is mirrored whole, with the reason in the log.
 */
import { appendFileSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { CHECK_SCRIPT } from '../../../provision/pull/check-script.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { sshdBed } from './support/sshd-bed.ts';
import { loopbackRsh } from './support/remote-host.ts';
import { runConfig } from './support/run-config.ts';

describe.skipIf(!isRoot || !hasCommand('sshd') || !hasCommand('find'))(`remote source pre-linked from a listing${rootNote()}`, () => {
  const bed = sshdBed('linkdest-rpre-');
  let n = 0;

  /** Two runs with changes between them; returns the second run's log and both copies. */
  async function twoRuns(forced?: string) {
    const dir = join(bed.work, `case${++n}`);
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (const f of ['keep.txt', 'sub/keep2.txt', 'grow.txt', 'gone.txt']) writeFileSync(join(src, f), `${f}\n`);
    mkdirSync(join(dir, 'dest'));
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    if (forced) writeFileSync(join(bed.sshd.dir, 'authorized_keys'), `restrict,command="${forced} /usr/bin/rsync ${src}" ${readFileSync(`${bed.sshd.clientKey}.pub`, 'utf8')}`);
    else writeFileSync(join(bed.sshd.dir, 'authorized_keys'), readFileSync(`${bed.sshd.clientKey}.pub`));
    const spec = `root@${bed.sshd.address}:${src}`;
    const cfg = runConfig(dir, join(dir, 'dest'), [forced ? { path: spec, rsh: loopbackRsh(bed.sshd) } : spec], { rsync: { rsh: loopbackRsh(bed.sshd), acls: true, xattrs: true, extra_args: [] } });
    // Older than the ctime test's allowance for the source host's whole-second clock.
    await new Promise((r) => setTimeout(r, 2100));
    const first = await backup(cfg, memoryLogger());
    expect(first.errors).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    appendFileSync(join(src, 'grow.txt'), 'more\n');
    unlinkSync(join(src, 'gone.txt'));
    writeFileSync(join(src, 'sub/new.txt'), 'new\n');
    const log = memoryLogger();
    const before = await bed.sshd.acceptedConnections();
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    const at = (o: typeof first, f: string): string => join(o.snapshot!, bed.sshd.address, src.slice(1), f);
    return { log, connections: (await bed.sshd.acceptedConnections()) - before, at: (f: string) => [at(first, f), at(second, f)] as const, second };
  }

  function expectSameAsBareRsync(r: Awaited<ReturnType<typeof twoRuns>>): void {
    for (const f of ['keep.txt', 'sub/keep2.txt']) {
      const [a, b] = r.at(f);
      expect(statSync(b).ino).toBe(statSync(a).ino);
    }
    const [g1, g2] = r.at('grow.txt');
    expect(statSync(g2).ino).not.toBe(statSync(g1).ino);
    expect(readFileSync(g2, 'utf8')).toBe('grow.txt\nmore\n');
    expect(() => statSync(r.at('gone.txt')[1])).toThrow();
    expect(readFileSync(r.at('sub/new.txt')[1], 'utf8')).toBe('new\n');
    expect(r.second.stats!.filesLinked).toBe(2);
    expect(r.second.stats!.filesTransferred).toBe(2);
  }

  test('an unrestricted key: unchanged files linked from the listing, the rest as bare rsync', async () => {
    const r = await twoRuns();
    // rsync is given only what the listing left: the two new or changed files, not the tree.
    expect(r.log.lines).toContainEqual(expect.stringContaining('pre-linked 2 unchanged files of 6 listed; rsync checks 2 entries, 2 directories, 0 new directories'));
    expect(r.connections).toBe(2);
    expectSameAsBareRsync(r);
    // The manifest takes the listings, the top one's too once the copy's top is found as
    // listed after rsync (remote-top-listing.ts), and merges them while rsync runs: neither
    // keep.txt (at the top) nor sub/keep2.txt, both linked, is statted again.
    expect(r.log.lines).toContainEqual(expect.stringContaining('(hash taken from the previous manifest, 2 of them linked by the pre-link pass and not statted); 2 lines merged while rsync ran'));
  });

  test('the pull key\'s forced command allows the listing: the same', async () => {
    const script = join(bed.work, 'pull-check');
    writeFileSync(script, CHECK_SCRIPT, { mode: 0o755 });
    const r = await twoRuns(script);
    // Its forced command refuses a names list (--files-from): the whole tree, skipping what was linked.
    expect(r.log.lines).toContainEqual(expect.stringContaining('pre-linked 2 unchanged files of 6 listed; rsync checks the rest of the tree (the source has its own remote shell (the pull key refuses a names list))'));
    expectSameAsBareRsync(r);
    // The whole tree went to rsync, which may have copied what the listing did not have: the manifest reads every directory.
    expect(r.log.lines).toContainEqual(expect.stringContaining('(hash taken from the previous manifest, 0 of them linked by the pre-link pass and not statted)'));
  });

  test('a forced command that refuses the listing (an older pull key): mirrored whole, the reason logged, the same result', async () => {
    const script = join(bed.work, 'old-pull-check');
    // The check as it was before the listing: everything but rsync --server --sender refused.
    writeFileSync(script, CHECK_SCRIPT.replace(/case \$cmd in\n {2}'date \+%s && find '\*\)[\s\S]*?;;\nesac\n/, ''), { mode: 0o755 });
    expect(readFileSync(script, 'utf8')).not.toContain('date +%s');
    const r = await twoRuns(script);
    expect(r.log.lines).toContainEqual(expect.stringContaining('mirroring the whole tree (no pre-link pass): the source host gave no listing (exit 1: linkdest pull-check: refused: unexpected characters in the command)'));
    expectSameAsBareRsync(r);
  });
});
