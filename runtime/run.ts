/**
 * One nightly run: lock -> prerequisites (rsync; when missing the run fails here, reported,
 * nothing else touched) -> reportStart -> pre hooks -> stop VMs -> guard -> set lock -> prune(before)
 * -> snapshot -> prune(after) -> start VMs (always, also on SIGTERM/SIGINT) -> post hooks
 * -> reportFinish -> unlock.
 */
import { hostname } from 'node:os';
import type { RuntimeConfig } from './config.ts';
import type { RunResult, RunStatus, VmOutcome } from './run-result.ts';
import { LinkdestError } from './errors.ts';
import { acquireLock, acquireSetLock, runLockPath, type LockHandle } from './lock.ts';
import { missingPrerequisite } from './prerequisites.ts';
import { existsSync } from 'node:fs';
import { createLogger } from './log.ts';
import { setName } from './layout.ts';
import { backup } from './backup.ts';
import { runHooks } from './hooks.ts';
import { exitCodeFor, summaryLines } from './stats.ts';
import { ensureDestination, type GuardHandle } from './guard.ts';
import { startVms, stopVms } from './vms.ts';
import { reportFinish, reportStart, type ReportOptions } from './report/index.ts';
import { recordLastRun } from './ops/last-run.ts';
import { lookForDisks } from './disks/look.ts';
import type { DiskChoice } from './disks/choose-disk.ts';
import { recordRotation, usedDiskFigures } from './disks/after-run.ts';
import type { SeenUpdate } from './disks/seen-record.ts';

export function lockPath(cfg: RuntimeConfig): string {
  return runLockPath(cfg);
}

export interface RunOptions {
  /** Mail retry budget and timeouts (tests shorten them; production keeps the defaults). */
  report?: ReportOptions;
}

export async function runNightly(cfg: RuntimeConfig, opts: RunOptions = {}): Promise<RunResult> {
  const startedAt = new Date();
  const log = createLogger({ dir: cfg.log.dir, keep: cfg.log.keep, now: startedAt });
  const r: RunResult = {
    host: hostname(), name: setName(cfg), status: 'ok', startedAt: startedAt.toISOString(), finishedAt: '',
    durationMs: 0, errors: [], warnings: [], pruned: [], snapshotCount: 0, vms: [], logFile: log.file, exitCode: 0,
  };
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    log.error(`received ${sig}: stopping the copy, restarting VMs, reporting`);
    r.errors.push(`interrupted by ${sig}`);
    abort.abort();
  };
  // Handlers before the lock: a stop that arrives while the lock is being taken (systemd
  // stopping the unit at once) is still logged, recorded and reported, not a silent death.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Lock before anything touches the destination; a second run learns nothing else.
  let lock: Awaited<ReturnType<typeof acquireLock>>;
  try {
    lock = await acquireLock(lockPath(cfg), (m) => log.warn(m));
  } catch (e) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw e;
  }
  let vms: VmOutcome[] = [];
  let guard: GuardHandle | undefined;
  let setLock: LockHandle | undefined;
  let skipped = false;
  const reported = new Set<string>();
  const rotation = cfg.destination.disks !== undefined;
  let choice: DiskChoice | undefined;
  let used: SeenUpdate | undefined;
  try {
    log.info(`linkdest run of ${r.name} to ${cfg.destination.path}`);
    // Before hooks, VMs and the destination: without rsync nothing is stopped or pruned.
    const missing = missingPrerequisite();
    if (missing !== undefined) {
      r.errors.push(`prerequisites: ${missing}`);
      return r;
    }
    await reportStart(cfg, log, opts.report).catch((e: Error) => r.warnings.push(`report start: ${e.message}`));
    const preFailure = await runHooks(cfg.hooks.pre, { LINKDEST_STATUS: 'starting' }, log, cfg.hooks.timeout_s);
    if (preFailure) {
      skipped = true;
      r.errors.push(`${preFailure}: backup skipped`);
      return r;
    }
    const stopped = await stopVms(cfg.vms, log);
    vms = stopped.outcomes;
    if (!stopped.allStopped) {
      // A running VM's disk copied mid-write is worse than no copy, and forcing it off is a
      // power cut for the guest: skip tonight's backup; the stopped VMs start again below.
      skipped = true;
      for (const v of vms) if (v.error) { reported.add(v.domain); r.errors.push(`VM ${v.domain}: ${v.error}: backup skipped`); }
      return r;
    }
    if (abort.signal.aborted) return r;
    // Rotation: which enrolled disk is attached, chosen before the guard so that the report
    // names the disks seen even when none can be used.
    if (rotation) choice = await lookForDisks(cfg);
    guard = await ensureDestination(cfg, log, choice ? { choice } : {});
    // The set's own lock, shared with `linkdest snapshot` and prune of the same set.
    setLock = await acquireSetLock(cfg, log);
    const o = await backup(cfg, log, abort.signal, { protectRoot: true });
    Object.assign(r, {
      snapshot: o.snapshot, stats: o.stats, ...(o.sources ? { sources: o.sources } : {}), spaceBefore: o.spaceBefore, spaceAfter: o.spaceAfter,
      pruned: o.pruned, snapshotCount: o.snapshotCount, ...(o.suspect ? { suspectSnapshots: o.suspect } : {}),
    });
    r.errors.push(...o.errors);
    r.warnings.push(...o.warnings);
  } catch (e) {
    r.errors.push(e instanceof LinkdestError ? e.oneLine() : `internal error: ${(e as Error).message}`);
  } finally {
    await setLock?.release();
    if (guard?.disk) used = await usedDiskFigures(cfg, guard.disk);
    if (guard) await guard.release().catch((e: Error) => r.warnings.push(`release destination: ${e.message}`));
    if (vms.length > 0) {
      r.vms = await startVms(vms, cfg.vms, log).catch((e: Error) => {
        r.errors.push(`restarting VMs: ${e.message}`);
        return vms;
      });
      for (const v of r.vms) {
        if (v.error && !reported.has(v.domain)) r.warnings.push(`VM ${v.domain}: ${v.error}`);
        if (v.warning) r.warnings.push(`VM ${v.domain}: ${v.warning}`);
      }
    }
    const logProblem = log.fileError();
    if (logProblem) {
      r.warnings.push(`log: ${logProblem}`);
      if (r.logFile && !existsSync(r.logFile)) delete r.logFile;
    }
    if (rotation) {
      await recordRotation(cfg, r, choice, used, new Date()).catch((e: Error) => r.warnings.push(`disks: ${e.message}`));
      if (r.disks && r.disks.unknown.length > 0) log.warn(`attached but not enrolled, not written to: ${r.disks.unknown.join('; ')}`);
    }
    const status: RunStatus = skipped ? 'skipped' : r.errors.length > 0 ? 'failed' : r.warnings.length > 0 ? 'warning' : 'ok';
    r.status = status;
    r.exitCode = exitCodeFor(status);
    const post = await runHooks(cfg.hooks.post, { LINKDEST_STATUS: status, LINKDEST_SNAPSHOT: r.snapshot ?? '' }, log, cfg.hooks.timeout_s);
    if (post) r.warnings.push(post);
    if (post && r.status === 'ok') { r.status = 'warning'; r.exitCode = exitCodeFor('warning'); }
    r.finishedAt = new Date().toISOString();
    r.durationMs = Date.now() - startedAt.getTime();
    for (const l of summaryLines(r)) (r.exitCode === 1 ? log.error : log.info)(l);
    await recordLastRun(cfg, r, log);
    await reportFinish(r, cfg, log, opts.report).catch((e: Error) => log.error(`report: ${e.message}`));
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await lock.release();
  }
  return r;
}
