/**
 * Spawn rsync (argv, never a shell), collect stdout for --stats and stderr for the
 * per-file complaints, and stream stderr lines to the log as they come.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../logger.ts';
import { testPoint } from '../test-points.ts';

export interface RsyncRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runRsync(args: string[], log: Logger, signal?: AbortSignal): Promise<RsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('rsync', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const onAbort = (): void => { child.kill('SIGTERM'); };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      pending += c;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) log.warn(`rsync: ${l.replace(/^rsync: /, '')}`);
    });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new Error(`cannot run rsync: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    child.on('spawn', () => testPoint('rsync-running'));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (pending.trim()) log.warn(`rsync: ${pending.replace(/^rsync: /, '')}`);
      resolve({ code: code ?? (sig ? 128 + 15 : 1), stdout, stderr });
    });
  });
}
