/**
 * Mounting and unmounting the destination the way the host is set up for it: a systemd
 * .mount unit (systemctl start/stop) or an fstab line (mount/umount PATH). The runtime
 * never invents mount options; the provisioner wrote them into the unit or fstab.
 */
import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { LinkdestError } from './errors.ts';
import type { RuntimeConfig } from './config.ts';
import { lastLine, run } from './exec.ts';
import type { Logger } from './logger.ts';
import { filesystemAt, parseMountinfo, type MountEntry } from './mountinfo.ts';
import { pollUntil } from './poll.ts';

export type MountConfig = RuntimeConfig['destination']['mount'];

/** The filesystem mounted at `path` right now (autofs traps do not count), or undefined (also when `path` does not exist). */
export async function mountedAt(path: string): Promise<MountEntry | undefined> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return undefined;
  }
  // Synchronous on purpose: Node 18's fs.promises.readFile stops after the first chunk of
  // a procfs file (st_size 0), which drops mounts on a host with many (found in a Node 18 host).
  return filesystemAt(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), real);
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountedAt(path)) !== undefined;
}

/** `uuid`: the filesystem UUID of the rotation disk chosen for this run (kind uuid only). */
export function mountArgv(path: string, m: MountConfig, uuid?: string): string[] | undefined {
  if (m.kind === 'systemd') return ['systemctl', 'start', m.unit];
  if (m.kind === 'fstab') return ['mount', path];
  if (m.kind === 'uuid') {
    if (uuid === undefined) throw new LinkdestError(`${path}: no rotation disk chosen to mount`, { step: 'guard' });
    // By UUID, never /dev/sdX or a label (rotation disks may share one): docs/rotation.md.
    return ['mount', '-t', m.fstype, '-o', m.options.join(','), `UUID=${uuid}`, path];
  }
  return undefined;
}

export function unmountArgv(path: string, m: MountConfig): string[] | undefined {
  if (m.kind === 'systemd') return ['systemctl', 'stop', m.unit];
  if (m.kind === 'fstab' || m.kind === 'uuid') return ['umount', path];
  return undefined;
}

const how = (path: string, m: MountConfig): string =>
  (m.kind === 'systemd' ? `systemctl status ${m.unit}` : m.kind === 'uuid' ? 'blkid, is the disk plugged in?' : `the fstab line for ${path}, is the disk plugged in?`);

/** Mounts and waits until `path` is a mount point; throws a one-line LinkdestError otherwise. */
export async function mountDestination(path: string, m: MountConfig, log: Logger, timeoutMs: number, uuid?: string): Promise<void> {
  const argv = mountArgv(path, m, uuid);
  if (!argv) return;
  log.info(`mounting ${path}: ${argv.join(' ')}`);
  // Manual runs, restores and status checks each start and stop the mount unit; after 5
  // starts in 10 s systemd's start rate limit refuses the next one. The limit guards
  // nothing here, so clear it (exit code irrelevant: a unit that never failed is fine).
  if (m.kind === 'systemd') await run(['systemctl', 'reset-failed', m.unit], { timeoutMs });
  const r = await run(argv, { timeoutMs });
  if (r.code !== 0) {
    throw new LinkdestError(`cannot mount ${path}: ${argv.join(' ')}: ${lastLine(r)} (check ${how(path, m)})`, { step: 'guard' });
  }
  // systemctl start returns when the job ends, but an automount or a slow device may lag.
  const ok = await pollUntil(async () => ((await isMountPoint(path)) ? true : undefined), timeoutMs);
  if (!ok) {
    // Undo the start that did not give a mount (e.g. a unit whose Where= is elsewhere).
    const undo = unmountArgv(path, m);
    if (undo) await run(undo, { timeoutMs });
    throw new LinkdestError(`${path} is not a mount point after ${argv.join(' ')} (check ${how(path, m)})`, { step: 'guard' });
  }
}

/** Unmounts; a busy filesystem gets a few more tries. Returns an error line, or undefined. */
export async function unmountDestination(path: string, m: MountConfig, log: Logger, timeoutMs = 10_000): Promise<string | undefined> {
  const argv = unmountArgv(path, m);
  if (!argv) return undefined;
  log.info(`unmounting ${path}: ${argv.join(' ')}`);
  let last = '';
  const done = await pollUntil(async () => {
    if (!(await isMountPoint(path))) return true;
    const r = await run(argv, { timeoutMs });
    if (r.code === 0 && !(await isMountPoint(path))) return true;
    last = r.code === 0 ? 'still mounted' : lastLine(r);
    return undefined;
  }, timeoutMs, 1000);
  return done ? undefined : `cannot unmount ${path}: ${argv.join(' ')}: ${last}`;
}
