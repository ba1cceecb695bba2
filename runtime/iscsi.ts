/**
 * Brings the destination's iSCSI session up when it has dropped (the seed's nightly cron
 * logged in again for the same reason), then waits for the LUN's device node.
 */
import { access } from 'node:fs/promises';
import { LinkdestError } from './errors.ts';
import { lastLine, run, type ExecResult } from './exec.ts';
import {
  ISCSIADM_NO_OBJS_FOUND, byPathDevice, loggedInPortal, parseIscsiSessions, planIscsiLogin,
  type IscsiSession, type IscsiTarget,
} from './iscsi-session.ts';
import type { Logger } from './logger.ts';
import { pollUntil } from './poll.ts';

export interface IscsiOptions {
  /** How long udev may take to create the by-path link after login. */
  deviceTimeoutMs?: number;
  /** Runs iscsiadm; replaceable so the decision can be exercised without a kernel initiator. */
  exec?: (argv: string[]) => Promise<ExecResult>;
}

export async function listIscsiSessions(exec: (argv: string[]) => Promise<ExecResult> = run): Promise<IscsiSession[]> {
  const r = await exec(['iscsiadm', '-m', 'session']);
  if (r.code === ISCSIADM_NO_OBJS_FOUND) return [];
  if (r.code !== 0) {
    throw new LinkdestError(`iscsiadm -m session failed: ${lastLine(r)} (is open-iscsi installed and iscsid running?)`, { step: 'guard' });
  }
  return parseIscsiSessions(r.stdout);
}

/** Returns the by-path device of the LUN once it exists; throws LinkdestError otherwise. */
export async function ensureIscsiSession(t: IscsiTarget, log: Logger, opts: IscsiOptions = {}): Promise<string> {
  const exec = opts.exec ?? run;
  const sessions = await listIscsiSessions(exec);
  let portal = loggedInPortal(sessions, t);
  if (portal !== undefined) {
    log.info(`iSCSI session to ${t.target} on ${portal} is up`);
  } else {
    const failures: string[] = [];
    for (const argv of planIscsiLogin(sessions, t)) {
      const p = argv[argv.indexOf('-p') + 1]!;
      log.info(`iSCSI: no session to ${t.target} on ${p}; logging in`);
      const r = await exec(argv);
      if (r.code === 0) { portal = p; break; }
      failures.push(`${p}: ${lastLine(r)}`);
      log.warn(`iSCSI login to ${t.target} on ${p} failed: ${lastLine(r)}`);
    }
    if (portal === undefined) {
      throw new LinkdestError(
        `cannot log in to iSCSI target ${t.target} (${failures.join('; ')}); check that the NAS is on, the node record exists (iscsiadm -m node) and CHAP credentials`,
        { step: 'guard' },
      );
    }
  }
  const dev = byPathDevice(portal, t.target, t.lun);
  const found = await pollUntil(() => access(dev).then(() => true, () => undefined), opts.deviceTimeoutMs ?? 30_000);
  if (!found) {
    throw new LinkdestError(`iSCSI session to ${t.target} is up but ${dev} did not appear; check the LUN number (${t.lun}) and udev`, { step: 'guard' });
  }
  return dev;
}
