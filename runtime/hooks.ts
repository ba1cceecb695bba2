/**
 * Pre/post hooks: argv lists run without a shell. They get LINKDEST_SNAPSHOT (the
 * snapshot path, post only, when one was written) and LINKDEST_STATUS (post only).
 * Each hook runs in its own process group and may take `timeout_s` (hooks.timeout_s,
 * default 600): then the whole group gets SIGTERM, SIGKILL KILL_GRACE_MS later if anything
 * of it is still there, and the hook counts as failed (a pre hook's failure skips the
 * backup). A hung hook must not hold the lock, and the VMs down, night after night.
 */
import { spawn } from 'node:child_process';
import type { Logger } from './logger.ts';

export const KILL_GRACE_MS = 5_000;

export interface HookResult { ok: boolean; message: string }

function killGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

export async function runHook(argv: string[], env: Record<string, string>, log: Logger, timeoutS = 600): Promise<HookResult> {
  const label = argv.join(' ');
  log.info(`hook: ${label}`);
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, detached: true });
    const out = (c: Buffer): void => { for (const l of c.toString('utf8').split('\n')) if (l.trim()) log.info(`  ${l}`); };
    child.stdout.on('data', out);
    child.stderr.on('data', out);
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      log.error(`hook ${label}: still running after ${timeoutS} s: stopping its process group`);
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
    }, timeoutS * 1000);
    const done = (r: HookResult): void => {
      clearTimeout(timer);
      // A group member that outlived the hook (a daemonised child) goes with it after a timeout.
      if (timedOut && child.pid !== undefined && killGroup(child.pid, 0)) {
        killGroup(child.pid, 'SIGKILL');
      }
      if (killer) clearTimeout(killer);
      resolve(r);
    };
    child.on('error', (e) => done({ ok: false, message: `hook ${label}: cannot run: ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
    child.on('close', (code, sig) => done(timedOut ? { ok: false, message: `hook ${label} timed out after ${timeoutS} s (killed with its process group)` }
      : code === 0 ? { ok: true, message: '' }
        : { ok: false, message: `hook ${label} failed (${sig ? `signal ${sig}` : `exit ${code}`})` }));
  });
}

/** Runs hooks in order; stops at the first failure and returns its message. */
export async function runHooks(hooks: string[][], env: Record<string, string>, log: Logger, timeoutS?: number): Promise<string | undefined> {
  for (const h of hooks) {
    const r = await runHook(h, env, log, timeoutS);
    if (!r.ok) return r.message;
  }
  return undefined;
}
