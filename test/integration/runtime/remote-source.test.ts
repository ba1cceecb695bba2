/**
 * A remote source `user@host:/path` pulled over a real sshd on loopback, with the
 * configured rsync.rsh argv (its key file in a directory whose name needs quoting, so the
 * one string rsync -e takes must be quoted right) and strict host key checking.
 */
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { startLoopbackSshd, type LoopbackSshd } from '../transport/loopback-sshd.ts';
import { runConfig } from './support/run-config.ts';

describe.skipIf(!isRoot || !hasCommand('sshd'))(`remote source over ssh with rsync.rsh${rootNote()}`, () => {
  let sshd: LoopbackSshd;
  let work: string;
  let src: string;
  let rsh: string[];
  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    work = mkdtempSync(join(tmpdir(), 'linkdest-remote-'));
    src = join(work, 'remote data');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub/a.txt'), 'stays the same\n');
    writeFileSync(join(src, 'b.txt'), 'changes\n');
    const keyDir = join(work, 'keys of the "backup" user\'s');
    mkdirSync(keyDir);
    copyFileSync(sshd.clientKey, join(keyDir, 'id ed25519'));
    chmodSync(join(keyDir, 'id ed25519'), 0o600);
    rsh = ['ssh', '-p', String(sshd.port), '-i', join(keyDir, 'id ed25519'), '-o', `UserKnownHostsFile=${sshd.knownHosts}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const dest = (name: string): string => {
    mkdirSync(join(work, name));
    writeFileSync(join(work, name, '.linkdest-backup'), '');
    return join(work, name);
  };

  test('pulled over ssh into DEST/set/STAMP/ADDR/path; the second run links what did not change', async () => {
    const source = `root@${sshd.address}:${src}`;
    const cfg = runConfig(work, dest('dest'), [source], { rsync: { rsh, acls: true, xattrs: true, extra_args: [] } });
    const before = await sshd.acceptedConnections();
    const first = await backup(cfg, memoryLogger());
    expect(first.errors).toEqual([]);
    const copy1 = join(first.snapshot!, sshd.address, src.slice(1));
    expect(statSync(join(copy1, 'sub/a.txt')).size).toBe('stays the same\n'.length);

    writeFileSync(join(src, 'b.txt'), 'changed, and longer\n');
    const log = memoryLogger();
    const second = await backup(cfg, log);
    expect(second.errors).toEqual([]);
    // Its path holds a space, which the listing's command line cannot carry: the plain mirror
    // (remote-prelink-source.test.ts has the pre-linked pull).
    expect(log.lines).toContainEqual(expect.stringContaining('mirroring the whole tree (no pre-link pass): its path holds characters other than'));
    const copy2 = join(second.snapshot!, sshd.address, src.slice(1));
    expect(statSync(join(copy2, 'sub/a.txt')).ino).toBe(statSync(join(copy1, 'sub/a.txt')).ino);
    expect(statSync(join(copy2, 'b.txt')).ino).not.toBe(statSync(join(copy1, 'b.txt')).ino);
    expect(statSync(join(copy2, 'b.txt')).size).toBe('changed, and longer\n'.length);
    expect(second.stats!.filesLinked).toBe(1);
    expect(second.stats!.filesTransferred).toBe(1);
    // The copies really went through this sshd, one connection per run.
    expect(await sshd.acceptedConnections()).toBe(before + 2);
  });

  test('a missing remote directory fails the run instead of writing an empty snapshot', async () => {
    const missing = join(work, 'no such dir');
    const cfg = runConfig(work, dest('dest-missing'), [`root@${sshd.address}:${missing}`], { rsync: { rsh, acls: true, xattrs: true, extra_args: [] } });
    const o = await backup(cfg, memoryLogger());
    expect(o.snapshot).toBeUndefined();
    expect(o.errors).toEqual([expect.stringContaining(`root@${sshd.address}:${missing}: cannot read the source directory: [sender] change_dir "${missing}" failed: No such file or directory (2)`)]);
  });

  test('hostile names are pulled as names, also by an rsync that does not escape them (before 3.2.4): -s, wildcards escaped', async () => {
    // A name holds no "/": what the remote shell would create lands in root's home, its cwd there.
    const mark = `PWNED-${process.pid}`;
    const hostile = [join(work, `a b; touch ${mark}`), join(work, `it's "q" $(touch ${mark}) \`touch ${mark}\``), join(work, 'g[1]')];
    for (const dir of hostile) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'payload.txt'), `${dir}\n`);
    }
    mkdirSync(join(work, 'g1')); // what an unescaped g[1] would match on the source host
    writeFileSync(join(work, 'g1/decoy.txt'), 'wrong directory\n');
    const cfg = runConfig(work, dest('dest-hostile'), hostile.map((d) => `root@${sshd.address}:${d}`), { rsync: { rsh, acls: true, xattrs: true, extra_args: [] } });
    // This machine's rsync escapes for the remote shell by itself; RSYNC_OLD_ARGS=1 makes it
    // send names as rsync 3.2.3 and older do (Debian 11, RHEL 8).
    process.env.RSYNC_OLD_ARGS = '1';
    try {
      const o = await backup(cfg, memoryLogger());
      expect(o.errors).toEqual([]);
      for (const dir of hostile) expect(readFileSync(join(o.snapshot!, sshd.address, dir.slice(1), 'payload.txt'), 'utf8')).toBe(`${dir}\n`);
      expect(existsSync(join(o.snapshot!, sshd.address, work.slice(1), 'g[1]', 'decoy.txt'))).toBe(false);
      expect(existsSync(join('/root', mark))).toBe(false);
    } finally {
      delete process.env.RSYNC_OLD_ARGS;
    }
  });

  test('an unknown host key is refused (StrictHostKeyChecking=yes): the run fails, nothing copied', async () => {
    const strict = rsh.map((a) => (a.startsWith('UserKnownHostsFile=') ? `UserKnownHostsFile=${join(work, 'empty_known_hosts')}` : a));
    writeFileSync(join(work, 'empty_known_hosts'), '');
    const cfg = runConfig(work, dest('dest-strict'), [`root@${sshd.address}:${src}`], { rsync: { rsh: strict, acls: true, xattrs: true, extra_args: [] } });
    const o = await backup(cfg, memoryLogger());
    expect(o.snapshot).toBeUndefined();
    // One line naming the host, with ssh's own words (runtime/source-result.ts).
    expect(o.errors).toEqual([expect.stringContaining(`: host ${sshd.address}: Host key verification failed: its host key changed, or is not in known_hosts; the partial `)]);
  });
});
