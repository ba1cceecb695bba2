/**
 * An exclusive flock(1) held by a helper process for as long as `fn` runs. The kernel
 * drops the lock when that helper dies, so a killed test run never leaves it held.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const holder = spawn('flock', ['-x', lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(holder, 'exit');
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`testbed: flock ${lockFile} exited ${code}`)));
  });
  try {
    return await fn();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
