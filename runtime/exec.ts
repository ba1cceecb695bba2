/**
 * The runtime's one way to run a program: argv only (never a shell), C locale always, so
 * that what we parse (virsh states, iscsiadm lines, mount errors) never depends on the
 * host's language. The seed script grepped Spanish virsh states; this is why LC_ALL=C.
 */
import { spawn } from 'node:child_process';

export interface ExecResult {
  /** Exit code; 127 when the program could not be started, -1 when killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kill the program after this long (ms). Default: no limit. */
  timeoutMs?: number;
  /** Extra environment (LC_ALL=C always wins). */
  env?: Record<string, string>;
}

/** Runs argv[0] with argv[1..]; never throws for a failing program, the caller reads `code`. */
export function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('run: empty argv');
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...opts.env, LC_ALL: 'C', LANG: 'C', LANGUAGE: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    }
    let settled = false;
    const finish = (r: ExecResult): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ code: 127, stdout, stderr: stderr + `${file}: ${e.code === 'ENOENT' ? 'command not found' : e.message}` });
    });
    child.on('close', (code) => {
      const note = timedOut ? `${file}: killed after ${opts.timeoutMs} ms` : '';
      finish({ code: timedOut ? -1 : (code ?? -1), stdout, stderr: stderr + note });
    });
  });
}

/** Last non-empty line of stderr (or stdout), for one-line error messages. */
export function lastLine(r: ExecResult): string {
  for (const text of [r.stderr, r.stdout]) {
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length > 0) return lines[lines.length - 1]!;
  }
  return `exit code ${r.code}`;
}
