/**
 * Opening and closing an encrypted backup disk for one run. The container is found by its
 * LUKS UUID, unlocked with the host's root-only key file (cryptsetup reads the file; the
 * key is in no argv and no log), and closed again after the filesystem is unmounted,
 * whatever happened in between, so a disk pulled out after a run is locked.
 * A mapping that was open before the run (an admin restoring by hand) is used and left open.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { LinkdestError } from '../errors.ts';
import { lastLine, run, type ExecResult } from '../exec.ts';
import type { Logger } from '../logger.ts';
import { pollUntil } from '../poll.ts';
import { closeArgv, luksDevicePath, mapperPath, openArgv, parseStatusDevice, statusArgv } from './luks-argv.ts';

export interface LuksTarget {
  luksUuid: string;
  keyFile: string;
  /** device-mapper name, mapperName(disk id). */
  name: string;
}

export interface LuksOptions {
  /** How long the container's by-uuid link may take to appear (udev after a plug-in). */
  deviceTimeoutMs?: number;
  exec?: (argv: string[]) => Promise<ExecResult>;
}

export interface OpenLuks {
  /** /dev/mapper/<name> */
  device: string;
  openedByUs: boolean;
  /** Closes what this run opened (never throws); returns an error line or undefined. */
  close(): Promise<string | undefined>;
}

const fail = (message: string): LinkdestError => new LinkdestError(message, { step: 'luks' });

/** Why this host cannot open an encrypted disk at all, or undefined. */
export function dmCryptMissing(): string | undefined {
  // Neither a driver nor a node: certainly none. A node alone may be libdevmapper's own
  // (no driver behind it); cryptsetup then says so itself, in its own line.
  const misc = (() => { try { return readFileSync('/proc/misc', 'utf8'); } catch { return ''; } })();
  if (!/\bdevice-mapper\b/.test(misc) && !existsSync('/dev/mapper/control')) {
    return 'this host has no device-mapper (not in /proc/misc, no /dev/mapper/control), so it cannot open an encrypted disk (LUKS needs dm-crypt)';
  }
  return undefined;
}

function keyFileProblem(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return `key file ${path} is missing: restore it from your copy, or open the disk with its recovery passphrase (docs/rotation.md)`;
  }
  if (!st.isFile()) return `key file ${path} is not a regular file`;
  // A key others can read is a key others have: refuse rather than use it quietly.
  if ((st.mode & 0o077) !== 0 || st.uid !== 0) return `key file ${path} must be owned by root with mode 0600 (chown root: ${path}; chmod 600 ${path})`;
  return undefined;
}

export async function openLuks(t: LuksTarget, log: Logger, opts: LuksOptions = {}): Promise<OpenLuks> {
  const exec = opts.exec ?? run;
  const device = mapperPath(t.name);
  const container = luksDevicePath(t.luksUuid);
  const missing = dmCryptMissing();
  if (missing) throw fail(missing);
  const found = await pollUntil(() => (existsSync(container) ? true : undefined), opts.deviceTimeoutMs ?? 30_000);
  if (!found) throw fail(`encrypted disk ${t.luksUuid} is not attached (${container} did not appear)`);

  if (existsSync(device)) {
    const status = await exec(statusArgv(t.name));
    const backing = parseStatusDevice(status.stdout);
    if (backing === undefined || realpathSync(backing) !== realpathSync(container)) {
      throw fail(`${device} is open on ${backing ?? 'another device'}, not on ${container}; close it (cryptsetup close ${t.name})`);
    }
    log.info(`encrypted disk ${t.luksUuid} is already open as ${device}: used as it is, left open`);
    return { device, openedByUs: false, close: async () => undefined };
  }

  const keyProblem = keyFileProblem(t.keyFile);
  if (keyProblem) throw fail(keyProblem);
  log.info(`opening encrypted disk ${container} as ${device} with key file ${t.keyFile}`);
  const r = await exec(openArgv(container, t.keyFile, t.name));
  if (r.code !== 0) throw fail(`cannot open ${container}: ${lastLine(r)} (is ${t.keyFile} the key of this disk?)`);
  // udev then names the filesystem inside (by-uuid); the mount by UUID that follows looks for it.
  await exec(['udevadm', 'settle', '--timeout=30']);
  let closed = false;
  return {
    device,
    openedByUs: true,
    async close() {
      if (closed) return undefined;
      closed = true;
      return closeLuks(t.name, log, { exec });
    },
  };
}

/** Closes /dev/mapper/<name>; a briefly busy device (udev probing) gets a few more tries. */
export async function closeLuks(name: string, log: Logger, opts: { exec?: (argv: string[]) => Promise<ExecResult>; timeoutMs?: number } = {}): Promise<string | undefined> {
  const exec = opts.exec ?? run;
  if (!existsSync(mapperPath(name))) return undefined;
  log.info(`closing encrypted disk ${mapperPath(name)}`);
  let last = '';
  const done = await pollUntil(async () => {
    if (!existsSync(mapperPath(name))) return true;
    const r = await exec(closeArgv(name));
    if (r.code === 0) return true;
    last = lastLine(r);
    return undefined;
  }, opts.timeoutMs ?? 10_000, 1000);
  return done ? undefined : `cannot close ${mapperPath(name)}: ${last}; the disk stays unlocked until it is closed (cryptsetup close ${name})`;
}
