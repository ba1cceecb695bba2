/**
 * Stopping the VMs whose disks live in the sources before the snapshot, and starting them
 * again afterwards, whatever happened in between. A VM that will not stop is never forced
 * off (that is a power cut for the guest); the run skips the backup and says why. A paused
 * (or guest-suspended) VM cannot act on a shutdown request and writes nothing while it
 * stays so: it is left as the admin left it, the copy goes ahead, and the run warns.
 */
import type { RuntimeConfig } from './config.ts';
import { lastLine, run } from './exec.ts';
import type { Logger } from './logger.ts';
import { pollUntil } from './poll.ts';
import type { VmOutcome } from './run-result.ts';
import { isActive, isFrozen, parseDomstate, type DomainState } from './virsh-state.ts';

export type VmConfig = RuntimeConfig['vms'];

const virsh = (cfg: VmConfig, ...args: string[]): string[] => ['virsh', '-c', cfg.uri, ...args];

type StateRead = { state: DomainState } | { error: string };

export async function domainState(cfg: VmConfig, domain: string): Promise<StateRead> {
  const r = await run(virsh(cfg, 'domstate', domain), { timeoutMs: 60_000 });
  if (r.code !== 0) return { error: lastLine(r) };
  const state = parseDomstate(r.stdout);
  return state ? { state } : { error: `unexpected virsh domstate output: ${r.stdout.trim()}` };
}

/** Polling interval: often enough for short test timeouts, gentle for 300 s real ones. */
const pollMs = (cfg: VmConfig): number => Math.min(1000, Math.max(100, cfg.shutdown_timeout_s * 50));

async function stopOne(cfg: VmConfig, domain: string, log: Logger): Promise<VmOutcome> {
  const read = await domainState(cfg, domain);
  if ('error' in read) {
    log.error(`VM ${domain}: cannot read its state: ${read.error}`);
    return { domain, initialState: 'unknown', wasRunning: false, stopped: false, restarted: false, error: `cannot read state: ${read.error}` };
  }
  if (isFrozen(read.state)) {
    const warning = `${read.state}: left ${read.state}, not shut down (it could not act on it); its disks are copied as they were when it was ${read.state}, like after a power cut at that moment. Shut it down or resume it for a clean copy`;
    log.warn(`VM ${domain} ${warning}`);
    return { domain, initialState: read.state, wasRunning: false, stopped: false, restarted: false, warning };
  }
  const outcome: VmOutcome = { domain, initialState: read.state, wasRunning: isActive(read.state), stopped: false, restarted: false };
  if (!outcome.wasRunning) {
    log.info(`VM ${domain} is ${read.state}; nothing to stop`);
    return outcome;
  }
  let lastState: string = read.state;
  for (let attempt = 1; attempt <= cfg.shutdown_retries; attempt++) {
    log.info(`VM ${domain}: shutdown (attempt ${attempt} of ${cfg.shutdown_retries}, waiting up to ${cfg.shutdown_timeout_s} s)`);
    const r = await run(virsh(cfg, 'shutdown', domain), { timeoutMs: 60_000 });
    if (r.code !== 0) log.warn(`VM ${domain}: virsh shutdown failed: ${lastLine(r)}`);
    const off = await pollUntil(async () => {
      const s = await domainState(cfg, domain);
      if ('state' in s) lastState = s.state;
      return 'state' in s && !isActive(s.state) ? true : undefined;
    }, cfg.shutdown_timeout_s * 1000, pollMs(cfg));
    if (off) {
      log.info(`VM ${domain} is ${lastState}`);
      return { ...outcome, stopped: true };
    }
  }
  const error = `did not shut down after ${cfg.shutdown_retries} x ${cfg.shutdown_timeout_s} s (still ${lastState})`;
  log.error(`VM ${domain} ${error}`);
  return { ...outcome, error };
}

/** Stops every listed domain in parallel; allStopped is false when any could not be stopped or read. */
export async function stopVms(cfg: VmConfig, log: Logger): Promise<{ outcomes: VmOutcome[]; allStopped: boolean }> {
  const outcomes = await Promise.all(cfg.domains.map((d) => stopOne(cfg, d, log)));
  return { outcomes, allStopped: outcomes.every((o) => o.error === undefined) };
}

/** A VM left paused must still be paused after the copy, or the copy may be torn. */
async function recheckFrozen(cfg: VmConfig, o: VmOutcome, log: Logger): Promise<VmOutcome> {
  const read = await domainState(cfg, o.domain);
  const now = 'state' in read ? read.state : 'unknown';
  if (now === o.initialState) return o;
  const warning = `${o.warning ?? ''}; it became ${now} while the backup ran, so its disks may have changed while they were copied`;
  log.warn(`VM ${o.domain} became ${now} while the backup ran: its disks may have changed while they were copied`);
  return { ...o, warning };
}

async function startOne(cfg: VmConfig, o: VmOutcome, log: Logger): Promise<VmOutcome> {
  if (isFrozen(o.initialState as DomainState)) return recheckFrozen(cfg, o, log);
  if (!o.wasRunning) return o;
  const read = await domainState(cfg, o.domain);
  if ('state' in read && isActive(read.state)) {
    if (!o.stopped) log.info(`VM ${o.domain} is still ${read.state}; nothing to start`);
    return o;
  }
  log.info(`VM ${o.domain}: start`);
  const r = await run(virsh(cfg, 'start', o.domain), { timeoutMs: 120_000 });
  if (r.code !== 0) {
    const error = `start failed: ${lastLine(r)}`;
    log.error(`VM ${o.domain}: ${error}`);
    return { ...o, error: o.error ? `${o.error}; ${error}` : error };
  }
  return { ...o, restarted: true };
}

/** Starts every VM that was running before the run and is not running now. */
export async function startVms(outcomes: VmOutcome[], cfg: VmConfig, log: Logger): Promise<VmOutcome[]> {
  return Promise.all(outcomes.map((o) => startOne(cfg, o, log)));
}
