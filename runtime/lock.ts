/**
 * Exclusive locks as files. A lock appears with its content or not at all: the holder
 * writes `pid host boot-id start-time` to a temporary file, fsyncs it and link()s it into
 * place (EEXIST: someone holds it). So an empty or half-written lock file is never a lock
 * being born; it is only ever left by an older linkdest or a damaged disk, and it is not
 * taken over (the message says how to check and remove it).
 *
 * Stale, and taken over: a lock of this host whose holder's boot is over (another
 * /proc/sys/kernel/random/boot_id: a pid reused after a reboot proves nothing), whose pid
 * is gone or a zombie, or whose pid now belongs to a process started at another time.
 * Takeover moves the stale file aside (rename: one taker wins) and checks by inode that it
 * moved the file it judged, putting back a live lock it moved by mistake.
 *
 * Two locks exist (see setLockPath / runLockPath): the run lock in state_dir (mount,
 * VMs, hooks; taken before the destination is mounted) and the set lock beside the
 * snapshot set, held by every writer of that set.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import type { RuntimeConfig } from './config.ts';
import { EXIT, LinkdestError } from './errors.ts';
import { setDir, setName } from './layout.ts';
import type { Logger } from './logger.ts';
import { ensureWritable } from './writable.ts';

export interface LockHandle {
  path: string;
  release(): Promise<void>;
}

/** The run lock: one nightly run (or prune, restore) per host configuration. */
export function runLockPath(cfg: Pick<RuntimeConfig, 'state_dir'>): string {
  return join(cfg.state_dir, 'linkdest.lock');
}

/**
 * The set lock: DEST/.linkdest-lock-NAME, beside DEST/NAME. Every writer of the set (the
 * nightly run, `linkdest snapshot`, `linkdest-runtime prune`) holds it, whichever
 * configuration it came from, so none renames or deletes another's partial.
 */
export function setLockPath(cfg: Pick<RuntimeConfig, 'name' | 'destination'>): string {
  return join(cfg.destination.path, `.linkdest-lock-${setName(cfg)}`);
}

export interface LockOwner {
  pid: number;
  host: string;
  /** Absent in locks written by linkdest before boot ids were recorded. */
  bootId?: string;
  /** Process start time in clock ticks since boot (/proc/PID/stat field 22). */
  start?: string;
}

export function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** Start time of a process (ticks since boot), or undefined when it is gone or a zombie. */
export function processStart(pid: number): string | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); starttime is field 22.
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function parseOwner(text: string): LockOwner | undefined {
  if (!text.endsWith('\n')) return undefined;
  const [pid, host, boot, start, ...rest] = text.trim().split(/\s+/);
  if (!pid || !/^\d+$/.test(pid) || !host || rest.length > 0) return undefined;
  if (boot === undefined) return { pid: Number(pid), host };
  if (!start || !/^\d+$/.test(start)) return undefined;
  return { pid: Number(pid), host, bootId: boot, start };
}

/** Why the lock's holder is certainly gone, or undefined when it may still run. */
export function staleReason(o: LockOwner, here = { host: hostname(), bootId: bootId() }, startOf = processStart): string | undefined {
  if (o.host !== here.host) return undefined;
  if (o.bootId !== undefined && o.bootId !== here.bootId) return `pid ${o.pid} ran before the last reboot`;
  const start = startOf(o.pid);
  if (start === undefined) return `pid ${o.pid} is no longer running`;
  if (o.start !== undefined && o.start !== start) return `pid ${o.pid} is now another process`;
  return undefined;
}

function ownText(): string {
  return `${process.pid} ${hostname()} ${bootId()} ${processStart(process.pid)}\n`;
}

const inode = (path: string): Promise<string | undefined> => stat(path).then((s) => `${s.dev}:${s.ino}`, () => undefined);

/** Creates `path` holding `text`, atomically; false when it already exists. */
async function linkInto(path: string, text: string): Promise<boolean> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export interface LockOptions {
  onTakeover?: (msg: string) => void;
  /** What the lock guards, for messages ("the snapshot set DEST/NAME"). */
  what?: string;
}

export async function acquireLock(path: string, opts: LockOptions | ((msg: string) => void) = {}): Promise<LockHandle> {
  const { onTakeover, what } = typeof opts === 'function' ? { onTakeover: opts, what: undefined } : opts;
  const locked = (m: string): LinkdestError => new LinkdestError(m, { step: 'lock', exitCode: EXIT.locked });
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const text = ownText();
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await linkInto(path, text)) {
      const mine = await inode(path);
      return {
        path,
        // Remove only our own file: never a lock that replaced ours after a takeover.
        release: async () => { if (mine !== undefined && await inode(path) === mine) await unlink(path).catch(() => undefined); },
      };
    }
    const judged = await inode(path);
    if (judged === undefined) continue;
    const content = await readFile(path, 'utf8').catch(() => undefined);
    if (content === undefined) continue;
    const owner = parseOwner(content);
    if (!owner) {
      throw locked(`${path} exists but holds no complete lock (${content.length === 0 ? 'empty' : 'unreadable'}); if no linkdest run is active (ps -C node -f), remove it`);
    }
    const why = staleReason(owner);
    if (!why) {
      throw locked(`another linkdest run (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}) holds ${path}${what ? ` (${what})` : ''}; not starting a second one`);
    }
    const aside = `${path}.stale-${process.pid}`;
    try {
      await rename(path, aside);
    } catch {
      continue;
    }
    if (await inode(aside) !== judged) {
      // Another taker replaced the stale lock with its own in the meantime: put it back.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      continue;
    }
    await unlink(aside).catch(() => undefined);
    onTakeover?.(`took over the stale lock ${path} (${why})`);
  }
  throw locked(`could not take the lock ${path}`);
}

/**
 * The set lock, after proving the destination writable (a read-only destination is
 * reported as such, not as a failure to create the lock).
 */
export async function acquireSetLock(cfg: Pick<RuntimeConfig, 'name' | 'destination'>, log: Pick<Logger, 'warn'>): Promise<LockHandle> {
  await ensureWritable(cfg.destination.path);
  return acquireLock(setLockPath(cfg), { onTakeover: (m) => log.warn(m), what: `the snapshot set ${setDir(cfg)}` });
}
