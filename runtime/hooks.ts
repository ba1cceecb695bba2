/**
 * Pre/post hooks: argv lists run without a shell. They get LINKDEST_SNAPSHOT (the
 * snapshot path, post only, when one was written) and LINKDEST_STATUS (post only).
 */
import { spawn } from 'node:child_process';
import type { Logger } from './logger.ts';

export async function runHook(argv: string[], env: Record<string, string>, log: Logger): Promise<{ ok: boolean; message: string }> {
  const label = argv.join(' ');
  log.info(`hook: ${label}`);
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const out = (c: Buffer): void => { for (const l of c.toString('utf8').split('\n')) if (l.trim()) log.info(`  ${l}`); };
    child.stdout.on('data', out);
    child.stderr.on('data', out);
    child.on('error', (e) => resolve({ ok: false, message: `hook ${label}: cannot run: ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
    child.on('close', (code, sig) => resolve(code === 0 ? { ok: true, message: '' }
      : { ok: false, message: `hook ${label} failed (${sig ? `signal ${sig}` : `exit ${code}`})` }));
  });
}

/** Runs hooks in order; stops at the first failure and returns its message. */
export async function runHooks(hooks: string[][], env: Record<string, string>, log: Logger): Promise<string | undefined> {
  for (const h of hooks) {
    const r = await runHook(h, env, log);
    if (!r.ok) return r.message;
  }
  return undefined;
}
