/**
 * The runs of a host, read from their log files (log.ts: one file per run in cfg.log.dir,
 * named by the run's start). A run's result is the summary it logs last (stats.ts
 * summaryLines: `status: ok (exit 0), ...`, then `warning: ...` / `error: ...` lines); a
 * log without one belongs to a run still going, or to one that was killed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_RE, compareLogNames } from '../log.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import type { SourceResult } from '../run-result.ts';

export type RunState = 'ok' | 'warning' | 'failed' | 'skipped' | 'running' | 'interrupted';

export interface RunSummary {
  /** The log's stamp, e.g. 2026-11-24_03-00-00 (or ..._03-00-00-1 for a second run that second). */
  id: string;
  file: string;
  state: RunState;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  snapshot?: string;
  errors: string[];
  warnings: string[];
  /** Each source's result (from last-run.json only). */
  sources?: SourceResult[];
  /** Where the result was read: state_dir/last-run.json, or the log's summary lines. */
  from?: 'record' | 'log';
}

const LINE = /^(\S+) (info|warn|error)\s+(.*)$/;

export const runIdOf = (file: string): string => file.replace(/^linkdest-/, '').replace(/\.log$/, '');

/** Pure: the outcome a log text records. `live` says whether its run still holds the lock. */
export function parseRunLog(text: string, live: boolean): Omit<RunSummary, 'id' | 'file'> {
  const lines = text.split('\n').map((l) => LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const out: Omit<RunSummary, 'id' | 'file'> = { state: live ? 'running' : 'interrupted', errors: [], warnings: [] };
  if (lines[0]) out.startedAt = lines[0][1];
  let at = -1;
  lines.forEach((m, i) => { if (/^status: \w+ \(exit \d+\)/.test(m[3]!)) at = i; });
  if (at < 0) return out;
  const s = /^status: (\w+) \(exit (\d+)\)/.exec(lines[at]![3]!)!;
  out.state = (['ok', 'warning', 'failed', 'skipped'].includes(s[1]!) ? s[1] : 'failed') as RunState;
  out.exitCode = Number(s[2]);
  for (const m of lines.slice(at + 1)) {
    const msg = m[3]!;
    if (msg.startsWith('warning: ')) out.warnings.push(msg.slice(9));
    else if (msg.startsWith('error: ')) out.errors.push(msg.slice(7));
    else if (msg.startsWith('snapshot: ')) out.snapshot = msg.slice(10);
  }
  return out;
}

/** Log file names, oldest first. */
export async function runLogFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names.filter((n) => LOG_RE.test(n)).sort(compareLogNames);
}

export async function summarizeRun(dir: string, file: string, live: boolean): Promise<RunSummary> {
  const text = await readFile(join(dir, file), 'utf8');
  return { id: runIdOf(file), file: join(dir, file), ...parseRunLog(text, live), from: 'log' };
}

/** The log file of run `id` (or the last run); a one-line error listing recent ids otherwise. */
export async function findRunLog(dir: string, id?: string): Promise<string> {
  const files = await runLogFiles(dir);
  if (files.length === 0) throw new LinkdestError(`no run logs in ${dir} yet (no run since linkdest was installed)`, { step: 'logs' });
  if (id === undefined) return files[files.length - 1]!;
  const want = id.replace(/^linkdest-/, '').replace(/\.log$/, '');
  const hit = files.find((f) => runIdOf(f) === want);
  if (!hit) {
    const recent = files.slice(-5).map(runIdOf).join(', ');
    throw new LinkdestError(`no run ${JSON.stringify(id)} in ${dir}; recent runs: ${recent} (all: linkdest logs HOST --list)`, { step: 'logs', exitCode: EXIT.usage });
  }
  return hit;
}
