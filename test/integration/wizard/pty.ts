/** Runs a command on a pseudo-terminal (python3's pty module) and types answers as its prompts appear. */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export interface Step { expect: string; send: string }
export interface PtyResult { code: number; transcript: string; failed: number | null }

const DRIVER = fileURLToPath(new URL('pty-driver.py', import.meta.url));

export async function runOnPty(argv: string[], steps: Step[], o: { cwd: string; env?: Record<string, string>; timeoutS?: number }): Promise<PtyResult> {
  const spec = { argv, steps, cwd: o.cwd, env: { TERM: 'xterm', COLUMNS: '160', LINES: '50', ...o.env }, timeout: o.timeoutS ?? 300 };
  const r = await execa('python3', [DRIVER, JSON.stringify(spec)], { reject: false, timeout: (spec.timeout + 30) * 1000 });
  try {
    return JSON.parse(r.stdout) as PtyResult;
  } catch {
    throw new Error(`pty driver failed (${r.exitCode}): ${r.stderr.slice(0, 500)}`);
  }
}

/** Keys as a terminal sends them. */
export const KEY = { enter: '\r', up: '\x1b[A', down: '\x1b[B', ctrlC: '\x03' } as const;
