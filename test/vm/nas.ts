/**
 * A stand-in QNAP: a real tgtd iSCSI target in a private network namespace whose lo holds
 * 10.0.2.100. tgtd answers SendTargets with the address a connection arrived on, so the
 * guest must reach it at that very address: QEMU's user network forwards the guest's
 * 10.0.2.100:3260 (`guestfwd`) to a socat that runs inside this namespace and connects to
 * 10.0.2.100:3260 there. Advertised and reachable portal then agree, as on a real LAN.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../testbed/run.ts';
import { spawnLeashed, type Leashed } from './leash.ts';
import { NETNS_PREFIX, removeStaleVmLeftovers, TMP_PREFIX } from './stale.ts';

export const QNAP_IQN = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
export const NAS_ADDRESS = '10.0.2.100';
/** A second way to the same tgtd, as a NAS with two network ports offers one. */
export const NAS_SECOND_ADDRESS = '10.0.2.101';
export const NAS_PORT = 3260;
/** tgt keeps LUN 0 for its controller; the disk is LUN 1. */
export const NAS_LUN = 1;

export interface ChapAccount {
  user: string;
  password: string;
}

export interface NasOptions {
  /** Size of the sparse backing file in MiB (default 512). */
  sizeMiB?: number;
  chap?: ChapAccount;
}

export interface Nas {
  netns: string;
  portal: string;
  iqn: string;
  lun: number;
  /** The `guestfwd=...` option for QEMU's `-netdev user`. */
  guestfwd: string;
  /** The same target at a second address (a second NIC of the NAS), and its guestfwd. */
  secondPortal: string;
  secondGuestfwd: string;
  /** The tgtd log, for failure messages. */
  logFile: string;
  /**
   * Requires CHAP from now on with this account, on the running tgtd: the account set
   * before (if any) is deleted first, so only the new password can log in. Live sessions
   * stay up (CHAP is checked at login only).
   */
  setChap(account: ChapAccount): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPortal(netns: string, tgtd: Leashed, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!tgtd.running()) throw new Error(`vm: tgtd exited at start; see ${logFile}`);
    const probe = await run('ip', ['netns', 'exec', netns, 'socat', '-u', 'OPEN:/dev/null',
      `TCP:${NAS_ADDRESS}:${NAS_PORT},connect-timeout=1`], { allowFail: true });
    if (probe.code === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vm: tgtd did not listen on ${NAS_ADDRESS}:${NAS_PORT}; see ${logFile}`);
}

export async function startNas(opts: NasOptions = {}): Promise<Nas> {
  await removeStaleVmLeftovers();
  const dir = await mkdtemp(join(tmpdir(), `${TMP_PREFIX}nas-`));
  const netns = `${NETNS_PREFIX}${Math.random().toString(36).slice(2, 8)}`;
  const logFile = join(dir, 'tgtd.log');
  // The control socket lives in our tmp dir, so parallel runs never share a tgtd.
  const env = { ...process.env, TGT_IPC_SOCKET: join(dir, 'tgtd.sock') };
  let tgtd: Leashed | undefined;
  const tgtadm = (...args: string[]) =>
    run('ip', ['netns', 'exec', netns, 'tgtadm', '--lld', 'iscsi', ...args], { env });
  const stop = async () => {
    if (tgtd?.running()) {
      await tgtadm('--op', 'delete', '--mode', 'target', '--tid', '1', '--force').catch(() => {});
      await tgtadm('--op', 'delete', '--mode', 'system').catch(() => {});
      await Promise.race([tgtd.exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    await tgtd?.stop();
    await run('ip', ['netns', 'delete', netns], { allowFail: true });
    await rm(dir, { recursive: true, force: true });
  };
  let account: string | undefined;
  const bindAccount = async (chap: ChapAccount) => {
    // Deleting an account also unbinds it from the target.
    if (account !== undefined) await tgtadm('--op', 'delete', '--mode', 'account', '--user', account);
    account = undefined;
    // tgtadm takes the password as an argument; it is a throwaway test secret.
    await tgtadm('--op', 'new', '--mode', 'account', '--user', chap.user, '--password', chap.password);
    await tgtadm('--op', 'bind', '--mode', 'account', '--tid', '1', '--user', chap.user);
    account = chap.user;
  };
  const onExit = () => {
    // Synchronous last resort when the test process ends without running stop().
    spawnSync('ip', ['netns', 'delete', netns], { stdio: 'ignore' });
  };
  process.once('exit', onExit);
  try {
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', netns, 'addr', 'add', `${NAS_ADDRESS}/32`, 'dev', 'lo']);
    const lunFile = join(dir, 'lun1.img');
    await writeFile(lunFile, '');
    await truncate(lunFile, (opts.sizeMiB ?? 512) * 1024 * 1024);
    tgtd = spawnLeashed(['env', `TGT_IPC_SOCKET=${env.TGT_IPC_SOCKET}`, 'ip', 'netns', 'exec', netns,
      'tgtd', '-f', '--iscsi', `portal=${NAS_ADDRESS}:${NAS_PORT}`], { logFile });
    await waitForPortal(netns, tgtd, logFile);
    await tgtadm('--op', 'new', '--mode', 'target', '--tid', '1', '-T', QNAP_IQN);
    await tgtadm('--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', String(NAS_LUN), '-b', lunFile);
    await tgtadm('--op', 'bind', '--mode', 'target', '--tid', '1', '-I', 'ALL');
    if (opts.chap) await bindAccount(opts.chap);
  } catch (err) {
    await stop();
    process.off('exit', onExit);
    throw err;
  }
  return {
    netns,
    portal: `${NAS_ADDRESS}:${NAS_PORT}`,
    iqn: QNAP_IQN,
    lun: NAS_LUN,
    guestfwd: `guestfwd=tcp:${NAS_ADDRESS}:${NAS_PORT}-cmd:ip netns exec ${netns} socat STDIO TCP:${NAS_ADDRESS}:${NAS_PORT}`,
    secondPortal: `${NAS_SECOND_ADDRESS}:${NAS_PORT}`,
    secondGuestfwd: `guestfwd=tcp:${NAS_SECOND_ADDRESS}:${NAS_PORT}-cmd:ip netns exec ${netns} socat STDIO TCP:${NAS_ADDRESS}:${NAS_PORT}`,
    logFile,
    setChap: bindAccount,
    async stop() {
      process.off('exit', onExit);
      await stop();
    },
  };
}
