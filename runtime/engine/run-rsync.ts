/**
 * Spawn rsync (argv, never a shell), collect stdout for --stats and stderr for the
 * per-file complaints, and stream stderr lines to the log as they come.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import { testPoint } from '../test-points.ts';
import type { RunSums } from './transfer-sums.ts';

export interface RsyncRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `sums`: rsync's stdout holds a hash line per file (transfer-sums.ts); it goes to a private
 * file, read after the run, line by line, so a million lines are never held. Not a pipe:
 * rsync flushes each line, and on two cores busy with three copies a reader woken per line
 * cost 0.3 s of a 2.3 s first copy of 50,000 files (to a file: nothing measurable).
 */
export async function runRsync(args: string[], log: Logger, signal?: AbortSignal, sums?: RunSums): Promise<RsyncRun> {
  if (!sums) return spawnRsync(args, log, signal, undefined);
  // A directory of its own (mode 0700): no name a killed earlier run left behind can collide.
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-rsync-'));
  const path = join(dir, 'stdout');
  const out = await open(path, 'wx', 0o600).catch(async (e: Error) => { await rm(dir, { recursive: true, force: true }); throw e; });
  try {
    const r = await spawnRsync(args, log, signal, out.fd);
    await out.close();
    let stdout = '';
    let part = '';
    for await (const c of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (part + (c as string)).split('\n');
      part = lines.pop() ?? '';
      for (const l of lines) if (!sums.line(l)) stdout += `${l}\n`;
    }
    if (part && !sums.line(part)) stdout += part;
    return { ...r, stdout };
  } finally {
    await out.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnRsync(args: string[], log: Logger, signal: AbortSignal | undefined, stdoutFd: number | undefined): Promise<RsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('rsync', args, { stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const onAbort = (): void => { child.kill('SIGTERM'); };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
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
