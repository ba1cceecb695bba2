/**
 * The spot check of a pulled source, through the restricted key apply installs: a real sshd
 * on loopback whose only key line is `restrict,command="pull-check /usr/bin/rsync SRC"` with
 * the real pull-check script (provision/pull/check-script.ts). A byte flipped in the copy the
 * new snapshot shares by hard link (same size and mtime, so the pull itself cannot see it) is
 * a run warning naming the file; a source file rewritten after the copy, before the check, is
 * no alarm; the key's check refuses nothing the spot check asks for.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHECK_SCRIPT, forcedCommand } from '../../../provision/pull/check-script.ts';
import { backup } from '../../../runtime/backup.ts';
import type { RuntimeConfig } from '../../../runtime/config.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { startLoopbackSshd, type LoopbackSshd } from '../transport/loopback-sshd.ts';
import { runConfig } from './support/run-config.ts';

describe.skipIf(!isRoot || !hasCommand('sshd'))(`spot check of a pulled source through the restricted key${rootNote()}`, () => {
  let sshd: LoopbackSshd;
  let work: string;
  let src: string;
  let cfg: RuntimeConfig;
  let spec: string;

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    work = mkdtempSync(join(tmpdir(), 'linkdest-spot-remote-'));
    src = join(work, 'srv');
    mkdirSync(join(src, 'd'), { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(join(src, i % 2 ? 'd' : '', `f${i}`), `file ${i}\n`.repeat(30));
    writeFileSync(join(src, 'd', 'name with spaces'), 'spaces\n');
    // The key may only do what apply allows: the real check script as its forced command.
    const check = join(work, 'pull-check');
    writeFileSync(check, CHECK_SCRIPT);
    chmodSync(check, 0o755);
    const pub = readFileSync(`${sshd.clientKey}.pub`, 'utf8').trim();
    const command = forcedCommand({ rsync: '/usr/bin/rsync', paths: [src], sudo: false }).replace('/usr/local/lib/linkdest/pull-check', check);
    writeFileSync(join(sshd.dir, 'authorized_keys'), `restrict,command="${command}" ${pub}\n`);
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    spec = `root@${sshd.address}:${src}`;
    const rsh = ['ssh', '-p', String(sshd.port), '-i', sshd.clientKey, '-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
    cfg = runConfig(work, join(work, 'dest'), [{ path: spec, rsh }], { spot: { sample_pct: 100 } });
    // Older than the first run's start by the spot check's slack (spot-rules.ts
    // `changedDuringRun`): a file written in the second before a run counts as changed during it.
    await new Promise((r) => setTimeout(r, 2100));
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** What the key's check said (rsync relays its stderr, the run logs it), and a compare that could not run. */
  const refusals = (lines: string[]): string[] => lines.filter((l) => /refused|could not compare|could not list/.test(l));

  test('a clean pull: every sampled file compared, no warning', async () => {
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    expect(o.warnings).toEqual([]);
    expect(log.lines).toContain(`info ${spec}: spot check compared 31 sampled files with the source`);
    expect(refusals(log.lines)).toEqual([]);
  });

  test('a flipped byte shared by hard link is named; a file rewritten after the copy is not', async () => {
    const first = (await backup(cfg, memoryLogger())).snapshot!;
    // A bit flipped in the snapshot's copy, same size and mtime: the next pull links to it.
    const victim = join(first, sshd.address, src.slice(1), 'd', 'f7');
    const ref = join(work, 'times');
    execFileSync('touch', ['-r', victim, ref]);
    const bytes = readFileSync(victim);
    bytes[3] = bytes[3]! ^ 1;
    writeFileSync(victim, bytes);
    execFileSync('touch', ['-r', ref, victim]);

    // Paused after the copy, before the checks, a helper process rewrites f9 (same size) on
    // the source: it changed after the copy, so its difference is skipped.
    const pause = join(work, 'pause');
    writeFileSync(pause, '');
    const f9 = join(src, 'd', 'f9');
    const helper = spawn('sh', ['-c', 'while [ ! -e "$1.reached" ]; do sleep 0.05; done; sed -i s/file/FILE/ "$2"; rm -f "$1"', 'sh', pause, f9], { stdio: 'ignore' });
    process.env.LINKDEST_TEST_PAUSE_AT = 'before-checks';
    process.env.LINKDEST_TEST_PAUSE_FILE = pause;
    const log = memoryLogger();
    let o;
    try {
      o = await backup(cfg, log);
    } finally {
      delete process.env.LINKDEST_TEST_PAUSE_AT;
      delete process.env.LINKDEST_TEST_PAUSE_FILE;
      helper.kill();
    }
    expect(existsSync(`${pause}.reached`)).toBe(true);
    expect(readFileSync(f9, 'utf8')).toContain('FILE');
    expect(o.errors).toEqual([]);
    expect(o.warnings).toEqual([
      `spot check: 1 of 30 sampled files of ${spec} differ from the snapshot: ${spec}/d/f7 (content differs from the source, same modification time)`,
    ]);
    expect(log.lines).toContain(`info ${spec}: spot check compared 30 sampled files with the source, skipped 1 changed during the run`);
    expect(refusals(log.lines)).toEqual([]);
  });
});

// A source host whose rsync is not on the ssh session's PATH (a NAS with it under /opt, say):
// the user names it with `--rsync-path X`, as two arguments. The spot check must start the
// source's rsync the way the copy does, however the option is written (engine/extra-args.ts).
describe.skipIf(!isRoot || !hasCommand('sshd'))(`spot check of a source whose rsync needs --rsync-path${rootNote()}`, () => {
  let sshd: LoopbackSshd;
  let work: string;

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    work = mkdtempSync(join(tmpdir(), 'linkdest-spot-path-'));
    // The session's PATH: every command of /usr/bin and /bin but rsync.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    for (const dir of ['/usr/bin', '/bin']) {
      for (const name of execFileSync('ls', [dir], { encoding: 'utf8' }).split('\n')) {
        if (name && name !== 'rsync' && !existsSync(join(bin, name))) execFileSync('ln', ['-s', join(dir, name), join(bin, name)]);
      }
    }
    const pub = readFileSync(`${sshd.clientKey}.pub`, 'utf8').trim();
    writeFileSync(join(sshd.dir, 'authorized_keys'), `command="PATH=${bin} exec /bin/sh -c \\"$SSH_ORIGINAL_COMMAND\\"" ${pub}\n`);
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('--rsync-path given as two arguments reaches the spot check too', async () => {
    const src = join(work, 'srv');
    mkdirSync(src);
    for (let i = 0; i < 5; i++) writeFileSync(join(src, `f${i}`), `file ${i}\n`);
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    const spec = `root@${sshd.address}:${src}`;
    const rsh = ['ssh', '-p', String(sshd.port), '-i', sshd.clientKey, '-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
    const cfg = runConfig(work, join(work, 'dest'), [{ path: spec, rsh }], { spot: { sample_pct: 100 }, rsync: { extra_args: ['--rsync-path', '/usr/bin/rsync'] } });
    await new Promise((r) => setTimeout(r, 2100));
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    expect(log.lines.filter((l) => /could not compare|could not list/.test(l))).toEqual([]);
    expect(log.lines).toContain(`info ${spec}: spot check compared 5 sampled files with the source`);
  });
});
