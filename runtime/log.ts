/**
 * The run's Logger: every line to stdout and appended synchronously to one log file per
 * run in cfg.log.dir (a run killed with -9 keeps everything logged so far); the oldest
 * files beyond cfg.log.keep are removed when a run starts.
 *
 * Logging never throws: a log directory that cannot be written (read-only after disk
 * errors, full) must not abort a backup half-way, least of all the `finally` that starts
 * the VMs again. The first failure is said once on stderr (cron mails it, `linkdest run
 * --wait` shows it), the file is given up, and every line still reaches stdout and the report.
 */
import { appendFileSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.ts';
import { stampOf } from './layout.ts';

export const LOG_RE = /^linkdest-\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(?:-\d+)?\.log$/;

export interface RunLogger extends Logger {
  file?: string;
  /** Why the log file could not be written, once it could not. */
  fileError(): string | undefined;
}

export function createLogger(opts: { dir?: string; keep?: number; stdout?: boolean; now?: Date } = {}): RunLogger {
  const lines: string[] = [];
  let file: string | undefined;
  let failed: string | undefined;
  const giveUp = (what: string, e: unknown): void => {
    // Node's message repeats the path after the reason ("EROFS: read-only file system, open '/...'").
    const why = (e as Error).message.replace(/, \w+ '.*'$/, '');
    failed = `cannot write the log ${what}: ${why}; this run's log is only on stdout and in the report`;
    file = undefined;
    process.stderr.write(`linkdest-runtime: warning: ${failed}\n`);
  };
  if (opts.dir) {
    try {
      mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
      const base = `linkdest-${stampOf(opts.now ?? new Date())}`;
      const existing = new Set(readdirSync(opts.dir));
      let name = `${base}.log`;
      for (let i = 1; existing.has(name); i++) name = `${base}-${i}.log`;
      file = join(opts.dir, name);
      rotate(opts.dir, Math.max(0, (opts.keep ?? 60) - 1));
    } catch (e) {
      giveUp(`directory ${opts.dir}`, e);
    }
  }
  const write = (level: string, message: string): void => {
    const line = `${new Date().toISOString()} ${level.padEnd(5)} ${message}`;
    lines.push(line);
    if (file) {
      try {
        appendFileSync(file, `${line}\n`, { mode: 0o640 });
      } catch (e) {
        giveUp(`file ${file}`, e);
      }
    }
    if (opts.stdout !== false) process.stdout.write(`${level === 'info' ? '' : `${level}: `}${message}\n`);
  };
  return {
    get file() { return file; },
    fileError: () => failed,
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    text: () => lines.join('\n'),
  };
}

/**
 * Oldest first. Not a plain string sort: a second run in the same second is
 * `linkdest-STAMP-1.log`, which sorts before `linkdest-STAMP.log` as text.
 */
export function compareLogNames(a: string, b: string): number {
  const key = (n: string): [string, number] => {
    const m = /^(linkdest-[\d_-]{19})(?:-(\d+))?\.log$/.exec(n);
    return m ? [m[1]!, Number(m[2] ?? 0)] : [n, 0];
  };
  const [sa, na] = key(a);
  const [sb, nb] = key(b);
  return sa < sb ? -1 : sa > sb ? 1 : na - nb;
}

/** Keep the newest `keep` run logs. */
export function rotate(dir: string, keep: number): string[] {
  const logs = readdirSync(dir).filter((n) => LOG_RE.test(n)).sort(compareLogNames);
  const gone = logs.slice(0, Math.max(0, logs.length - keep));
  for (const n of gone) unlinkSync(join(dir, n));
  return gone;
}
