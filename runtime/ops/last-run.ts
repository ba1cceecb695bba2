/**
 * state_dir/last-run.json: the outcome of the last run that got as far as its finally
 * block (ok, warning, failed, skipped, interrupted by SIGTERM), written atomically so
 * `status` never reads half a record. World-readable (0644) for unprivileged monitoring,
 * so it must hold nothing the root-only config hides: hook arguments (a pre hook may carry
 * a dump password) are cut from the messages; the log (0640) keeps them whole.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RuntimeConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { compareLogNames } from '../log.ts';
import type { RunOutline, RunResult, SourceResult } from '../run-result.ts';
import { runIdOf, type RunSummary } from './run-logs.ts';

export const LAST_RUN_FILE = 'last-run.json';

export interface LastRunRecord extends RunOutline {
  format: 1;
  snapshot?: string;
  logFile?: string;
  /** Each source's result, when the run got as far as copying. */
  sources?: SourceResult[];
  /**
   * The newest successful snapshot any run wrote, carried over from record to record: what
   * `status` judges freshness by while a run has the disk and the snapshots cannot be read.
   */
  lastSuccess?: { snapshot: string; finishedAt: string };
}

export const lastRunPath = (stateDir: string): string => join(stateDir, LAST_RUN_FILE);

/** Pure: `hook sh -c 'dump -p s3cret'` becomes `hook sh (arguments in the log)` in every line. */
export function hideHookArguments(lines: readonly string[], hooks: readonly (readonly string[])[]): string[] {
  const labels = hooks.filter((h) => h.length > 1).map((h) => [h.join(' '), `${h[0]} (arguments in the log)`] as const)
    .sort((a, b) => b[0].length - a[0].length);
  return lines.map((l) => labels.reduce((s, [label, short]) => s.split(`hook ${label}`).join(`hook ${short}`), l));
}

/** Pure: the record of a finished run; `previous` is the record it replaces. */
export function lastRunRecord(r: RunResult, hooks: readonly (readonly string[])[], previous?: LastRunRecord): LastRunRecord {
  const good = (r.status === 'ok' || r.status === 'warning') && r.snapshot !== undefined;
  const lastSuccess = good ? { snapshot: r.snapshot!, finishedAt: r.finishedAt } : previous?.lastSuccess;
  return {
    format: 1, host: r.host, name: r.name, status: r.status, exitCode: r.exitCode,
    startedAt: r.startedAt, finishedAt: r.finishedAt, durationMs: r.durationMs,
    errors: hideHookArguments(r.errors, hooks), warnings: hideHookArguments(r.warnings, hooks),
    ...(r.snapshot !== undefined ? { snapshot: r.snapshot } : {}),
    ...(r.logFile !== undefined ? { logFile: r.logFile } : {}),
    ...(r.sources !== undefined ? { sources: r.sources } : {}),
    ...(lastSuccess !== undefined ? { lastSuccess } : {}),
  };
}

/** Temp file in the same directory, fsync, rename: readers see the old record or the new one. */
export async function writeLastRun(stateDir: string, rec: LastRunRecord): Promise<void> {
  const path = lastRunPath(stateDir);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(`${JSON.stringify(rec, null, 2)}\n`);
    await fh.chmod(0o644); // whatever the umask
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path).catch(async (e: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw e;
  });
}

/** The one call at the end of a run: a record that cannot be written is a logged error, never a failed run. */
export async function recordLastRun(cfg: RuntimeConfig, r: RunResult, log: Logger): Promise<void> {
  const hooks = [...cfg.hooks.pre, ...cfg.hooks.post];
  await writeLastRun(cfg.state_dir, lastRunRecord(r, hooks, await readLastRun(cfg.state_dir)))
    .catch((e: Error) => log.error(`cannot write ${lastRunPath(cfg.state_dir)}: ${e.message}`));
}

const STATES: readonly string[] = ['ok', 'warning', 'failed', 'skipped'];
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Pure: a record parsed from text, or undefined when it is not one (damaged, other format). */
export function parseLastRun(text: string): LastRunRecord | undefined {
  let v: Partial<LastRunRecord>;
  try {
    v = JSON.parse(text) as Partial<LastRunRecord>;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || v.format !== 1 || !STATES.includes(v.status ?? '')) return undefined;
  if (typeof v.exitCode !== 'number' || typeof v.startedAt !== 'string' || !strings(v.errors) || !strings(v.warnings)) return undefined;
  return v as LastRunRecord;
}

export async function readLastRun(stateDir: string): Promise<LastRunRecord | undefined> {
  const text = await readFile(lastRunPath(stateDir), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseLastRun(text);
}

/**
 * Pure: whether the record tells the last run. Not while a run holds the lock (the newest
 * log is that run), nor when a newer log exists without a record (a run killed with -9,
 * or a runtime older than the record).
 */
export function recordIsCurrent(rec: LastRunRecord | undefined, newestLog: string | undefined, live: boolean): boolean {
  if (!rec || live) return false;
  if (newestLog === undefined || rec.logFile === undefined) return true;
  return compareLogNames(newestLog, basename(rec.logFile)) <= 0;
}

/** Pure: the record in the shape `status` and `logs --list` use. */
export function summaryOfRecord(rec: LastRunRecord): RunSummary {
  const file = rec.logFile ?? '';
  return {
    id: file === '' ? rec.startedAt : runIdOf(basename(file)), file, state: rec.status, exitCode: rec.exitCode,
    startedAt: rec.startedAt, finishedAt: rec.finishedAt, errors: rec.errors, warnings: rec.warnings,
    ...(rec.snapshot !== undefined ? { snapshot: rec.snapshot } : {}),
    ...(Array.isArray(rec.sources) ? { sources: rec.sources } : {}), from: 'record',
  };
}
