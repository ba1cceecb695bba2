/**
 * The destination guard: before anything is written, prove the backup disk is really at
 * the destination path (iSCSI session, mount point, marker file). The worst failure of a
 * backup script is filling the root filesystem because the USB disk was not mounted, so
 * nothing here ever creates or writes to the destination.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeConfig } from './config.ts';
import { LinkdestError } from './errors.ts';
import { ensureIscsiSession, type IscsiOptions } from './iscsi.ts';
import type { Logger } from './logger.ts';
import { isMountPoint, mountDestination, unmountDestination } from './mount.ts';

export interface GuardHandle {
  mountedByUs: boolean;
  /** Unmounts only if we mounted; never throws (a failure is logged as a warning). */
  release(): Promise<void>;
}

export interface GuardOptions {
  /** How long a mount may take to appear (default 60 s). */
  mountTimeoutMs?: number;
  iscsi?: IscsiOptions;
}

const fail = (message: string): LinkdestError => new LinkdestError(message, { step: 'guard' });

async function isDirectory(path: string): Promise<boolean> {
  return lstat(path).then((s) => s.isDirectory(), () => false);
}

async function isFile(path: string): Promise<boolean> {
  return lstat(path).then((s) => s.isFile(), () => false);
}

export async function ensureDestination(cfg: RuntimeConfig, log: Logger, opts: GuardOptions = {}): Promise<GuardHandle> {
  const { path, marker, mount, iscsi } = cfg.destination;
  if (iscsi) await ensureIscsiSession(iscsi, log, opts.iscsi);

  let mountedByUs = false;
  if (mount.kind !== 'none' && !(await isMountPoint(path))) {
    await mountDestination(path, mount, log, opts.mountTimeoutMs ?? 60_000);
    mountedByUs = true;
  }
  let released = false;
  const release = async (): Promise<void> => {
    if (!mountedByUs || released) return;
    released = true;
    const err = await unmountDestination(path, mount, log);
    if (err) log.warn(err);
  };

  const markerPath = join(path, marker);
  if (!(await isFile(markerPath))) {
    await release();
    if (!(await isDirectory(path))) {
      throw fail(`destination ${path} does not exist; check that the backup disk is set up (linkdest provision) and mounted`);
    }
    const where = mount.kind === 'none' ? `that the backup disk is mounted at ${path}` : `what is mounted at ${path} (findmnt ${path})`;
    throw fail(`marker file ${markerPath} is missing: ${path} is not the backup disk; check ${where}`);
  }
  log.info(`destination ${path} ok (marker ${marker}${mountedByUs ? ', mounted by this run' : ''})`);
  return { mountedByUs, release };
}
