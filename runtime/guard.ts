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
import type { RotationDisk } from './config.ts';
import type { DiskChoice } from './disks/choose-disk.ts';
import { lookForDisks } from './disks/look.ts';
import { parseMarker } from './disks/marker-content.ts';
import { openDisk } from './disks/open-disk.ts';
import { readFile } from 'node:fs/promises';

export interface GuardHandle {
  mountedByUs: boolean;
  /** Rotation: the enrolled disk at the destination, and how it was chosen. */
  disk?: RotationDisk;
  choice?: DiskChoice;
  /** Unmounts only if we mounted; never throws (a failure is logged as a warning). */
  release(): Promise<void>;
}

export interface GuardOptions {
  /** How long a mount may take to appear (default 60 s). */
  mountTimeoutMs?: number;
  iscsi?: IscsiOptions;
  /** Rotation: the choice already made by the caller (run.ts reports it); made here otherwise. */
  choice?: DiskChoice;
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
  let disk: RotationDisk | undefined;
  let choice: DiskChoice | undefined;
  let close: (() => Promise<void>) | undefined;
  if (mount.kind === 'uuid' && !(await isMountPoint(path))) {
    choice = opts.choice ?? await lookForDisks(cfg);
    if (!choice.chosen) throw fail(choice.reason);
    disk = choice.chosen;
    log.info(choice.reason);
    close = await openDisk(disk, log);
    try {
      await mountDestination(path, mount, log, opts.mountTimeoutMs ?? 60_000, disk.uuid);
    } catch (e) {
      await close?.();
      throw e;
    }
    mountedByUs = true;
  } else if (mount.kind !== 'none' && mount.kind !== 'uuid' && !(await isMountPoint(path))) {
    await mountDestination(path, mount, log, opts.mountTimeoutMs ?? 60_000);
    mountedByUs = true;
  }
  let released = false;
  const release = async (): Promise<void> => {
    if (!mountedByUs || released) return;
    released = true;
    const err = await unmountDestination(path, mount, log);
    if (err) log.warn(err);
    else await close?.();
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
  if (mount.kind === 'uuid') {
    // The marker names the disk: a disk mounted by hand, or a filesystem whose UUID was
    // copied onto another disk, is caught here before anything is written.
    const id = parseMarker(await readFile(markerPath, 'utf8').catch(() => '')).diskId;
    const enrolled = (cfg.destination.disks ?? []).find((d) => d.id === id);
    if (enrolled === undefined || (disk !== undefined && disk.id !== id)) {
      await release();
      throw fail(`${markerPath} names disk ${id ?? '(none)'}, ${disk ? `not disk ${disk.id} that was mounted` : 'which is not enrolled'}; nothing written`);
    }
    disk = enrolled;
  }
  log.info(`destination ${path} ok (marker ${marker}${disk ? `, disk ${disk.id}` : ''}${mountedByUs ? ', mounted by this run' : ''})`);
  return { mountedByUs, release, ...(disk && { disk }), ...(choice && { choice }) };
}
