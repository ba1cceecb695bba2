/**
 * A real userspace iSCSI target (tgtd) dressed as a QNAP: QNAP-style IQNs, LUN 1 backed by
 * a sparse file (tgt keeps LUN 0 for its controller), optionally CHAP. Listens only on an
 * address the test created (the test bed's bridge); control port unique per run.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';

export interface FakeTarget {
  iqn: string;
  sizeBytes: number;
  chap?: { user: string; password: string };
  /** Initiator addresses allowed to see it (tgt ACL); default ALL. */
  allow?: string;
}

export interface FakeQnap {
  portal: string;
  stop(): Promise<void>;
}

function tgtadm(control: number, args: string[]): void {
  execFileSync('tgtadm', ['-C', String(control), '--lld', 'iscsi', ...args], { stdio: 'pipe' });
}

async function waitListening(address: string, port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`tgtd exited with ${child.exitCode}: ${(await readFile(log, 'utf8').catch(() => '')).trim().split('\n').slice(-2).join(' | ')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`tgtd did not listen on ${address}:${port}`);
}

export async function startFakeQnap(address: string, port: number, targets: FakeTarget[]): Promise<FakeQnap> {
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-fake-qnap-'));
  // tgtd accepts control ports up to 32767 only.
  const control = randomInt(2000, 32000);
  const log = join(dir, 'tgtd.log');
  const child = spawn('sh', ['-c', 'exec tgtd -f -C "$1" --iscsi "portal=$2" >>"$3" 2>&1', 'tgtd', String(control), `${address}:${port}`, log], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    // tgtd ignores SIGTERM; it stops when told to, after its targets are gone.
    for (let tid = 1; tid <= targets.length; tid++) {
      try { tgtadm(control, ['--op', 'delete', '--mode', 'target', '--tid', String(tid), '--force']); } catch { /* not created */ }
    }
    try { tgtadm(control, ['--op', 'delete', '--mode', 'system']); } catch { /* already gone */ }
    if (child.exitCode === null) {
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 3000); });
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitListening(address, port, child, log);
    for (const [i, t] of targets.entries()) {
      const tid = String(i + 1);
      const file = join(dir, `lun${tid}.img`);
      await writeFile(file, '');
      await truncate(file, t.sizeBytes);
      tgtadm(control, ['--op', 'new', '--mode', 'target', '--tid', tid, '-T', t.iqn]);
      tgtadm(control, ['--op', 'new', '--mode', 'logicalunit', '--tid', tid, '--lun', '1', '-b', file]);
      tgtadm(control, ['--op', 'bind', '--mode', 'target', '--tid', tid, '-I', t.allow ?? 'ALL']);
      if (t.chap) {
        tgtadm(control, ['--op', 'new', '--mode', 'account', '--user', t.chap.user, '--password', t.chap.password]);
        tgtadm(control, ['--op', 'bind', '--mode', 'account', '--tid', tid, '--user', t.chap.user]);
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { portal: `${address}:${port}`, stop };
}
