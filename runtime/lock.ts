/**
 * One run per destination. The lock lives outside the destination (cfg.state_dir for the
 * host runtime) because the destination may not be mounted yet when the run starts. The
 * file is created with O_EXCL and holds `pid host`; a lock whose pid is gone (killed run,
 * reboot) is taken over.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { EXIT, LinkdestError } from './errors.ts';

export interface LockHandle {
  path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A killed run whose parent has not reaped it yet is a zombie: dead for our purpose.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(path: string): Promise<{ pid: number; host: string } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const [pid, host] = text.trim().split(/\s+/);
  return pid && /^\d+$/.test(pid) ? { pid: Number(pid), host: host ?? '' } : undefined;
}

export async function acquireLock(path: string, onTakeover?: (msg: string) => void): Promise<LockHandle> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid} ${hostname()}\n`);
      await fh.close();
      return { path, release: () => unlink(path).catch(() => undefined) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const h = await holder(path);
    if (h && (h.host !== hostname() || alive(h.pid))) {
      throw new LinkdestError(`another linkdest run (pid ${h.pid}) holds ${path}; not starting a second one`, { step: 'lock', exitCode: EXIT.locked });
    }
    // Stale: move it aside (atomic, only one taker wins), then check we moved the stale one.
    const aside = `${path}.stale-${process.pid}`;
    try {
      await rename(path, aside);
    } catch {
      continue;
    }
    const moved = await holder(aside);
    if (moved && moved.pid !== h?.pid) {
      await rename(aside, path);
      continue;
    }
    await unlink(aside).catch(() => undefined);
    onTakeover?.(`took over the stale lock ${path} of pid ${h?.pid ?? '?'} (no longer running)`);
  }
  throw new LinkdestError(`could not take the lock ${path}`, { step: 'lock', exitCode: EXIT.locked });
}
