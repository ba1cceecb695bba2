/**
 * A run that is not root, pulling from a source host whose root reads everything: a file the
 * source holds with mode 000 arrives in the snapshot with mode 000, owned by the run's user,
 * who cannot read it back. Where the manifest must read it (here: rsync's hashes are off, `-i`
 * in extra_args), it cannot cover it, and that must not be a log line only: the run warns
 * (exit 2), names the file, and the snapshot's metadata keeps the warning; the manifest lists
 * every other file and not this one. Where rsync printed its hash as it wrote the file
 * (engine/transfer-sums.ts), nothing needs reading: the manifest covers it, with the hash
 * of what is there, and the run is clean. Real sshd on loopback, the run started as uid
 * 65534 through the runtime's CLI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readMetadata } from '../../../runtime/layout.ts';
import { openManifest } from '../../../runtime/manifest/read.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startLoopbackSshd, type LoopbackSshd } from '../transport/loopback-sshd.ts';
import { runConfig } from './support/run-config.ts';
import { rsyncPrintsHashes } from './support/rsync-hashes.ts';
import { hashReady, newDigest } from '../../../runtime/manifest/hash.ts';

const root = join(import.meta.dirname, '../../..');

describe.skipIf(!isRoot || !hasCommand('sshd') || !hasCommand('setpriv'))(`a non-root run that cannot read its own copy${rootNote()}`, () => {
  let sshd: LoopbackSshd;
  let work: string;

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    work = mkdtempSync(join(tmpdir(), 'linkdest-unreadable-copy-'));
    chmodSync(work, 0o755);
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A pull as uid 65534 of a tree holding a file with mode 000; `extraArgs` for rsync. */
  function pull(name: string, extraArgs: string[]) {
    const src = join(work, 'srv');
    if (!existsSync(src)) {
      mkdirSync(join(src, 'keys'), { recursive: true });
      writeFileSync(join(src, 'keys', 'readable.pub'), 'public\n');
      writeFileSync(join(src, 'keys', 'host.key'), 'root only\n');
      chmodSync(join(src, 'keys', 'host.key'), 0o000);
      for (let i = 0; i < 5; i++) writeFileSync(join(src, `f${i}`), `file ${i}\n`);
    }
    // The run's own files, as uid 65534 can use them: its key, known_hosts, destination, state, log.
    const me = join(work, name);
    for (const d of [me, join(me, 'dest'), join(me, 'state'), join(me, 'log')]) { mkdirSync(d, { recursive: true }); chownSync(d, 65534, 65534); }
    writeFileSync(join(me, 'dest', '.linkdest-backup'), '');
    for (const [from, to] of [[sshd.clientKey, 'key'], [sshd.knownHosts, 'known_hosts']] as const) {
      copyFileSync(from, join(me, to));
      chownSync(join(me, to), 65534, 65534);
      chmodSync(join(me, to), 0o600);
    }
    const spec = `root@${sshd.address}:${src}`;
    const rsh = ['ssh', '-p', String(sshd.port), '-i', join(me, 'key'), '-o', `UserKnownHostsFile=${join(me, 'known_hosts')}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'UpdateHostKeys=no'];
    const cfg = runConfig(me, join(me, 'dest'), [{ path: spec, rsh }], { rsync: { rsh: ['ssh'], acls: false, xattrs: false, extra_args: extraArgs } });
    writeFileSync(join(me, 'linkdest.json'), JSON.stringify(cfg));
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--',
      process.execPath, '--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', join(me, 'linkdest.json'), 'run'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: me } });
    const set = join(me, 'dest', 'set');
    const snap = join(set, readdirSync(set).find((n) => /^\d{4}-/.test(n))!);
    return { r, snap, src, inSnap: `${sshd.address}${src}/keys/host.key`, others: [...[0, 1, 2, 3, 4].map((i) => `${sshd.address}${src}/f${i}`), `${sshd.address}${src}/keys/readable.pub`] };
  }

  const listed = async (snap: string): Promise<Map<string, string>> => {
    const m = new Map<string, string>();
    for await (const e of (await openManifest(snap))!.entries) m.set(e.path.toString(), e.hash);
    return m;
  };

  test('the manifest must read it (rsync\'s hashes off: -i): the file is named in a run warning and the metadata; the manifest covers the rest', async () => {
    const { r, snap, inSnap, others } = pull('read-back', ['-i']);
    const warning = `checksum manifest: 1 file(s) could not be read and are not covered by verify, e.g. ${inSnap} (EACCES)`;
    expect(r.stdout).toContain(`warning: ${warning}`);
    expect(r.stdout).toContain('status: warning (exit 2)');
    expect(r.status, r.stderr).toBe(2);
    expect((await readMetadata(snap))?.warnings).toEqual([warning]);
    // The metadata names every file left out of the manifest (up to LEFT_OUT_NAMED), not only the first.
    expect((await readMetadata(snap))?.manifest).toMatchObject({ leftOut: [inSnap], leftOutCount: 1 });
    expect([...(await listed(snap)).keys()].sort()).toEqual([...others].sort());
    // It was copied (its owner may read it after a chmod): not lost, only unverified.
    expect(readFileSync(join(snap, inSnap), 'utf8')).toBe('root only\n');
  }, 120_000);

  test.skipIf(!rsyncPrintsHashes)('rsync printed its hash as it wrote the file: the manifest covers it unread, the run is clean', async () => {
    const { r, snap, inSnap, others } = pull('from-rsync', []);
    expect(r.stdout).not.toContain('could not be read');
    expect(r.stdout, r.stderr).toContain('status: ok (exit 0)');
    const hashes = await listed(snap);
    expect([...hashes.keys()].sort()).toEqual([...others, inSnap].sort());
    // The hash is the file's: read here as root.
    await hashReady('xxh128');
    const digest = newDigest('xxh128');
    digest.update(readFileSync(join(snap, inSnap)));
    expect(hashes.get(inSnap)).toBe(digest.hex());
    const manifest = (await readMetadata(snap))?.manifest;
    expect(manifest?.leftOut).toBeUndefined();
    expect(manifest).toMatchObject(rsyncPrintsHashes ? { fromRsync: 7, hashed: 0 } : {});
  }, 120_000);
});
