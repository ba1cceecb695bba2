/**
 * Sources on two machines (two real sshd on two loopback addresses, each source with its own
 * rsh: key, port, known_hosts) pulled into one snapshot; one of them failing (closed port,
 * changed host key) while the other is pulled, the snapshot completing with the failed
 * source's previous copy kept by hard links and marked stale, the run warning and the
 * report (mail over real SMTP, metrics textfile, last-run.json) naming each source's result;
 * the next run after the failure linking unchanged files and copying changed ones.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import { runNightly } from '../../../runtime/run.ts';
import type { SnapshotMetadata } from '../../../runtime/snapshot-metadata.ts';
import { METADATA_FILE } from '../../../runtime/layout.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { startLoopbackSshd, type LoopbackSshd } from '../transport/loopback-sshd.ts';
import { runConfig } from './support/run-config.ts';

const fast = { report: { mailRetryBudgetMs: 0, mail: { timeoutMs: 5_000 } } };

/** A port on `address` that nothing listens on (bound, then closed). */
async function closedPort(address: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, address, r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(!isRoot || !hasCommand('sshd'))(`sources on several machines${rootNote()}`, () => {
  let a: LoopbackSshd;
  let b: LoopbackSshd;
  let smtp: SmtpTestServer;
  let work: string;
  let srcA: string;
  let srcB: string;
  let n = 0;
  const rshOf = (s: LoopbackSshd, port = s.port, knownHosts = s.knownHosts): string[] => [
    'ssh', '-p', String(port), '-i', s.clientKey, '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
  ];
  const specA = (): string => `root@${a.address}:${srcA}`;
  const specB = (): string => `root@${b.address}:${srcB}`;
  const inSnap = (snap: string, s: LoopbackSshd, src: string, file: string): string => join(snap, s.address, src.slice(1), file);

  beforeAll(async () => {
    [a, b, smtp] = await Promise.all([startLoopbackSshd(), startLoopbackSshd(), startSmtpServer()]);
    // Two machines: two addresses (each sshd picks one at random).
    while (b.address === a.address) { await b.stop(); b = await startLoopbackSshd(); }
    work = mkdtempSync(join(tmpdir(), 'linkdest-pull-'));
    srcA = join(work, 'apps');
    srcB = join(work, 'srv');
    mkdirSync(join(srcA, 'sub'), { recursive: true });
    mkdirSync(join(srcB, 'www'), { recursive: true });
    writeFileSync(join(srcA, 'sub/a.txt'), 'a, stays\n');
    writeFileSync(join(srcB, 'www/index.html'), 'b, stays\n');
    writeFileSync(join(srcB, 'db.dump'), 'b, version 1\n');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), smtp?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  /** A fresh destination and config: A and B with their own rsh (rsync.rsh alone reaches neither). */
  function setup(rshA = rshOf(a), rshB = rshOf(b)): ReturnType<typeof runConfig> {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    return runConfig(dir, join(dir, 'dest'), [{ path: specA(), rsh: rshA }, { path: specB(), rsh: rshB }], {
      report: {
        metrics_file: join(dir, 'linkdest.prom'),
        mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'report', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } },
      },
    });
  }
  const meta = (snap: string): SnapshotMetadata => JSON.parse(readFileSync(join(snap, METADATA_FILE), 'utf8')) as SnapshotMetadata;

  test('two machines pulled into one snapshot, each over its own sshd with its own rsh', async () => {
    const cfg = setup();
    const [ca, cb] = [await a.acceptedConnections(), await b.acceptedConnections()];
    const o = await backup(cfg, memoryLogger());
    expect(o.errors).toEqual([]);
    expect(readFileSync(inSnap(o.snapshot!, a, srcA, 'sub/a.txt'), 'utf8')).toBe('a, stays\n');
    expect(readFileSync(inSnap(o.snapshot!, b, srcB, 'db.dump'), 'utf8')).toBe('b, version 1\n');
    expect(o.sources).toEqual([{ source: specA(), status: 'ok' }, { source: specB(), status: 'ok' }]);
    expect([await a.acceptedConnections() - ca, await b.acceptedConnections() - cb]).toEqual([1, 1]);
  });

  test.each([[2, 'at the same time'], [1, 'one after the other']])('pull.parallel %i: the two machines are pulled %s', async (parallel) => {
    // A slow (1 MiB at 256 KiB/s), B small: in parallel B is done while A still copies.
    const slow = join(work, `slow${parallel}`);
    mkdirSync(slow);
    writeFileSync(join(slow, 'big'), execFileSync('head', ['-c', String(1024 * 1024), '/dev/urandom']));
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    const slowA = `root@${a.address}:${slow}`;
    const cfg = runConfig(dir, join(dir, 'dest'), [{ path: slowA, rsh: rshOf(a) }, { path: specB(), rsh: rshOf(b) }],
      { pull: { parallel }, rsync: { acls: true, xattrs: true, extra_args: ['--bwlimit=256'] } });
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    const order = log.lines.filter((l) => / (copying|copied)$/.test(l)).map((l) => l.replace(slowA, 'A').replace(specB(), 'B'));
    expect(order).toEqual(parallel === 2
      ? ['info A: copying', 'info B: copying', 'info B: copied', 'info A: copied']
      : ['info A: copying', 'info A: copied', 'info B: copying', 'info B: copied']);
  });

  test('one host unreachable: the other is pulled, the snapshot completes with the old copy kept, the run warns, the report names both; the next run links and copies right', async () => {
    writeFileSync(join(srcB, 'db.dump'), 'b, version 1\n');
    const cfg = setup();
    const first = await runNightly(cfg, fast);
    expect(first.status).toBe('ok');
    const s1 = first.snapshot!;

    // B's sshd cannot be reached (closed port), and B's data changes meanwhile.
    writeFileSync(join(srcB, 'db.dump'), 'b, version 2, longer\n');
    const port = await closedPort(b.address);
    cfg.sources[1]!.rsh = rshOf(b, port);
    const mails = smtp.received.length;
    const second = await runNightly(cfg, fast);
    expect(second.status).toBe('warning');
    expect(second.exitCode).toBe(2);
    const s2 = second.snapshot!;
    expect(s2).toBeDefined();
    const failed = `host ${b.address}: unreachable (connection refused)`;
    expect(second.sources).toEqual([
      { source: specA(), status: 'ok' },
      { source: specB(), status: 'failed', reason: failed, kept: first.snapshot!.split('/').pop() },
    ]);
    expect(second.warnings).toContain(`${specB()}: ${failed}; its copy from ${s1.split('/').pop()} is kept in this snapshot (stale)`);
    // A pulled anew; B's subtree is the first snapshot's copy, the same inodes, not an empty tree.
    expect(statSync(inSnap(s2, a, srcA, 'sub/a.txt')).ino).toBe(statSync(inSnap(s1, a, srcA, 'sub/a.txt')).ino);
    expect(statSync(inSnap(s2, b, srcB, 'db.dump')).ino).toBe(statSync(inSnap(s1, b, srcB, 'db.dump')).ino);
    expect(readFileSync(inSnap(s2, b, srcB, 'www/index.html'), 'utf8')).toBe('b, stays\n');
    const m2 = meta(s2);
    expect(m2.status).toBe('warning');
    expect(Object.keys(m2.engineKeys)).toEqual([specA()]);
    expect(m2.sourceResults?.[1]).toMatchObject({ source: specB(), status: 'failed', kept: s1.split('/').pop() });

    // The report: mail, metrics, last-run.json, each naming both sources.
    const mail = smtp.received.slice(mails);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.body).toContain(`Sources:\n  ${specA()}: ok\n  ${specB()}: failed: ${failed}; its copy from ${s1.split('/').pop()} is kept (stale)\n`);
    const prom = readFileSync(cfg.report.metrics_file!, 'utf8');
    expect(prom).toContain(`linkdest_source_status{name="set",source="${specB()}",status="failed"} 1`);
    expect(prom).toContain(`linkdest_source_status{name="set",source="${specA()}",status="ok"} 1`);
    expect(prom).toContain(`linkdest_source_stale{name="set",source="${specB()}"} 1`);
    const rec = JSON.parse(readFileSync(join(cfg.state_dir, 'last-run.json'), 'utf8')) as { sources: unknown };
    expect(rec.sources).toEqual(second.sources);

    // B back: the change made during the outage is copied (not taken for the kept copy),
    // what did not change is linked to the first snapshot's files.
    cfg.sources[1]!.rsh = rshOf(b);
    const third = await runNightly(cfg, fast);
    expect(third.status).toBe('ok');
    const s3 = third.snapshot!;
    expect(readFileSync(inSnap(s3, b, srcB, 'db.dump'), 'utf8')).toBe('b, version 2, longer\n');
    expect(statSync(inSnap(s3, b, srcB, 'www/index.html')).ino).toBe(statSync(inSnap(s1, b, srcB, 'www/index.html')).ino);
    expect(statSync(inSnap(s3, a, srcA, 'sub/a.txt')).ino).toBe(statSync(inSnap(s1, a, srcA, 'sub/a.txt')).ino);
    expect(third.stats!.filesTransferred).toBe(1);
    expect(third.sources!.map((x) => x.status)).toEqual(['ok', 'ok']);
  });

  test('B failing twice in a row: the copy kept is still the one from the last good pull', async () => {
    const cfg = setup();
    const first = await backup(cfg, memoryLogger());
    cfg.sources[1]!.rsh = rshOf(b, await closedPort(b.address));
    await backup(cfg, memoryLogger());
    const third = await backup(cfg, memoryLogger());
    expect(third.sources?.[1]).toMatchObject({ status: 'failed', kept: first.snapshot!.split('/').pop() });
    expect(statSync(inSnap(third.snapshot!, b, srcB, 'db.dump')).ino).toBe(statSync(inSnap(first.snapshot!, b, srcB, 'db.dump')).ino);
  });

  test('a changed host key fails that source in one line naming the host; the other is pulled', async () => {
    writeFileSync(join(srcB, 'db.dump'), 'b, version 1\n');
    const other = join(work, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const changed = join(work, 'known_hosts_changed');
    writeFileSync(changed, `[${a.address}]:${a.port} ${readFileSync(`${other}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`);
    const cfg = setup(rshOf(a, a.port, changed));
    const log = memoryLogger();
    const o = await backup(cfg, log);
    expect(o.errors).toEqual([]);
    expect(o.sources).toEqual([
      { source: specA(), status: 'failed', reason: `host ${a.address}: Host key verification failed: its host key CHANGED (REMOTE HOST IDENTIFICATION HAS CHANGED); check why before you accept the new key` },
      { source: specB(), status: 'ok' },
    ]);
    expect(o.warnings).toContain(`${specA()}: host ${a.address}: Host key verification failed: its host key CHANGED (REMOTE HOST IDENTIFICATION HAS CHANGED); check why before you accept the new key; no earlier copy exists: its directory in this snapshot is empty`);
    expect(readFileSync(inSnap(o.snapshot!, b, srcB, 'db.dump'), 'utf8')).toBe('b, version 1\n');
    expect(existsSync(inSnap(o.snapshot!, a, srcA, 'sub'))).toBe(false);
  });

  test('an outer source failing keeps its old copy around the inner source pulled tonight (nested-sources.ts)', async () => {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    writeFileSync(join(srcA, 'top.txt'), 'top, 1\n');
    const cfg = runConfig(dir, join(dir, 'dest'), [{ path: specA(), rsh: rshOf(a) }, { path: `${specA()}/sub`, rsh: rshOf(a) }]);
    const first = await backup(cfg, memoryLogger());
    expect(first.errors).toEqual([]);
    writeFileSync(join(srcA, 'top.txt'), 'top, 2\n');
    writeFileSync(join(srcA, 'sub/a.txt'), 'a, changed\n');
    cfg.sources[0]!.rsh = rshOf(a, await closedPort(a.address));
    const second = await backup(cfg, memoryLogger());
    expect(second.sources!.map((x) => x.status)).toEqual(['failed', 'ok']);
    expect(readFileSync(inSnap(second.snapshot!, a, srcA, 'top.txt'), 'utf8')).toBe('top, 1\n');
    expect(readFileSync(inSnap(second.snapshot!, a, srcA, 'sub/a.txt'), 'utf8')).toBe('a, changed\n');
    writeFileSync(join(srcA, 'sub/a.txt'), 'a, stays\n');
    rmSync(join(srcA, 'top.txt'));
  });

  test('every source failed: no snapshot, the run fails, the report still names each source', async () => {
    const cfg = setup(rshOf(a, await closedPort(a.address)), rshOf(b, await closedPort(b.address)));
    const mails = smtp.received.length;
    const r = await runNightly(cfg, fast);
    expect(r.status).toBe('failed');
    expect(r.snapshot).toBeUndefined();
    expect(r.sources?.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`host ${a.address}: unreachable \\(connection refused\\); .*host ${b.address}: unreachable \\(connection refused\\); the partial \\S+ is kept`))]);
    expect(smtp.received.slice(mails)[0]!.body).toContain(`  ${specB()}: failed: host ${b.address}: unreachable (connection refused); no earlier copy`);
  });
});
