/**
 * How day-two commands reach the snapshots: exactly like the nightly run does (guard.ts:
 * iSCSI session, mount, marker), unmounting afterwards only what they mounted themselves.
 * When they must mount, or write (restore), they hold the run lock first so a nightly
 * run cannot prune or unmount underneath them; a run in progress means exit 75.
 */
import { readFileSync } from 'node:fs';
import type { RotationDisk, RuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { ensureDestination } from '../guard.ts';
import { acquireLock, parseOwner, staleReason, type LockHandle } from '../lock.ts';
import type { Logger } from '../logger.ts';
import { isMountPoint } from '../mount.ts';
import { lockPath } from '../run.ts';

/** Progress lines on stderr, so stdout stays clean for --json and itemized lists. */
export function stderrLogger(quiet = false): Logger {
  const lines: string[] = [];
  const write = (level: string, m: string): void => {
    lines.push(`${level} ${m}`);
    if (!quiet || level !== 'info') process.stderr.write(`${level === 'info' ? '' : `${level}: `}${m}\n`);
  };
  return { info: (m) => write('info', m), warn: (m) => write('warn', m), error: (m) => write('error', m), text: () => lines.join('\n') };
}

/**
 * pid of a live run holding the lock, if any. A lock the lock module would take over as
 * stale (its holder gone, from another boot, or its pid reused) or one with no complete
 * content does not count: one rule for "held", lock.ts's.
 */
export function runningPid(cfg: RuntimeConfig): number | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath(cfg), 'utf8');
  } catch {
    return undefined;
  }
  const owner = parseOwner(text);
  return owner && staleReason(owner) === undefined ? owner.pid : undefined;
}

export interface AccessOptions {
  /** Hold the run lock for the whole operation (restore, pin). */
  exclusive?: boolean;
  /** What waits for a run in progress, in its message; `a restore` by default. */
  what?: string;
  log: Logger;
}

export interface Access {
  /** The destination was mounted before we came (or needs no mount). */
  wasMounted: boolean;
  /** Rotation: the enrolled disk being read. */
  disk?: RotationDisk;
}

async function takeLock(cfg: RuntimeConfig, why: string): Promise<LockHandle> {
  try {
    return await acquireLock(lockPath(cfg));
  } catch (e) {
    if (e instanceof LinkdestError && e.exitCode === EXIT.locked) {
      const pid = runningPid(cfg);
      throw new LinkdestError(`a backup run${pid === undefined ? '' : ` (pid ${pid})`} is in progress, so ${why} cannot start now; `
        + 'nothing was changed. Try again when the run has finished (follow it with: linkdest logs HOST)', { step: 'lock', exitCode: EXIT.locked });
    }
    throw e;
  }
}

/** Runs `fn` with the snapshots reachable; mounts and unmounts around it when needed. */
export async function withDestination<T>(cfg: RuntimeConfig, opts: AccessOptions, fn: (a: Access) => Promise<T>): Promise<T> {
  const { path, mount } = cfg.destination;
  const wasMounted = mount.kind === 'none' || await isMountPoint(path);
  const lock = opts.exclusive || !wasMounted ? await takeLock(cfg, opts.exclusive ? (opts.what ?? 'a restore') : 'this command (it must mount the backup disk)') : undefined;
  try {
    const guard = await ensureDestination(cfg, opts.log);
    try {
      return await fn({ wasMounted, ...(guard.disk && { disk: guard.disk }) });
    } finally {
      await guard.release();
    }
  } finally {
    await lock?.release();
  }
}
