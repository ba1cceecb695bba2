/**
 * What the local and SSH transports share: how argv is wrapped for `become` and `env`,
 * how a failed command becomes a one-line LinkdestError, the command history, and atomic
 * file transfer through fixed shell scripts that take user values only as positional
 * parameters. A subclass supplies `exec`: run a final argv, return raw bytes and the code.
 */
import { performance } from 'node:perf_hooks';
import { LinkdestError } from '../../runtime/errors.ts';
import { quoteArgv } from './quote.ts';
import type { CommandRecord, PutFileOptions, RunOptions, RunResult, Transport } from './transport.ts';

export interface RawResult {
  stdout: Buffer;
  stderr: Buffer;
  code: number;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** For error messages: the step this command belongs to. */
  step: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The argv actually executed: `sudo -n --` when becoming root (never prompts: a missing
 * NOPASSWD rule fails at once), then `env NAME=value` so variables survive sudo's env
 * reset and need no AcceptEnv on the server. `killAfterSeconds` wraps the command in
 * timeout(1) for transports that cannot kill a remote command themselves.
 */
export function wrapArgv(
  argv: readonly string[],
  opts: { become: boolean; env?: Record<string, string>; killAfterSeconds?: number },
): string[] {
  if (argv.length === 0) throw new Error('empty command');
  if (argv.some((a) => a.includes('\0'))) throw new Error('argument contains a NUL byte, which no command line can carry');
  const envArgs: string[] = [];
  for (const [name, value] of Object.entries(opts.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    envArgs.push(`${name}=${value}`);
  }
  if (envArgs.length > 0 && argv[0]?.includes('=')) {
    throw new Error(`command ${JSON.stringify(argv[0])} contains '=' and would be read by env(1) as a variable`);
  }
  // timeout(1) goes inside sudo: only a process running as root may kill a root command.
  const kill = opts.killAfterSeconds === undefined ? [] : ['timeout', '-s', 'KILL', String(opts.killAfterSeconds)];
  return [...(opts.become ? ['sudo', '-n', '--'] : []), ...kill, ...(envArgs.length > 0 ? ['env', ...envArgs] : []), ...argv];
}

/** The first words of a command, naming the step in errors: `systemctl daemon-reload`. */
export function stepName(argv: readonly string[]): string {
  const prog = (argv[0] ?? '').split('/').pop() ?? '';
  const next = argv[1];
  if (next !== undefined && /^[a-z][a-z0-9-]{0,24}$/.test(next) && prog !== 'sh') return `${prog} ${next}`;
  return prog;
}

/** The last non-empty line, the one that usually says what went wrong. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

/**
 * Write atomically: a temp file in the target's own directory (so rename is atomic),
 * created under umask 077 so a secret is never readable by others even for a moment,
 * then owner, group, mode, and rename over the target. The parent must exist already.
 * $1 path, $2 octal mode, $3 owner or empty, $4 group or empty; content on stdin.
 */
export const PUT_FILE_SCRIPT = `set -eu
target=$1 mode=$2 owner=$3 group=$4
dir=\${target%/*}
[ -n "$dir" ] || dir=/
if [ ! -d "$dir" ]; then echo "parent directory $dir does not exist" >&2; exit 1; fi
if [ -d "$target" ]; then echo "$target is a directory" >&2; exit 1; fi
umask 077
tmp=$(mktemp "$dir/.linkdest-put.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
if [ -n "$owner" ]; then chown -- "$owner" "$tmp"; fi
if [ -n "$group" ]; then chgrp -- "$group" "$tmp"; fi
chmod -- "$mode" "$tmp"
mv -f -- "$tmp" "$target"
trap - EXIT`;

/** Exit 3 means absent, so a read error (permissions, a directory) still fails loudly. */
export const GET_FILE_SCRIPT = '[ -e "$1" ] || exit 3; exec cat -- "$1"';
const ABSENT = 3;

export abstract class ExecTransport implements Transport {
  readonly history: CommandRecord[] = [];

  constructor(
    readonly name: string,
    protected readonly become: boolean,
    /** Seconds a remote timeout(1) waits beyond timeoutMs; undefined: exec kills by itself. */
    private readonly remoteKillGraceSeconds?: number,
  ) {}

  abstract connect(): Promise<void>;
  abstract close(): Promise<void>;
  protected abstract exec(argv: readonly string[], opts: ExecOptions): Promise<RawResult>;

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const step = stepName(argv);
    const raw = await this.recorded(argv, argv, { ...opts, step }, opts.env, opts.mutating ?? false);
    const result = { stdout: raw.stdout.toString('utf8'), stderr: raw.stderr.toString('utf8'), code: raw.code };
    if (result.code !== 0 && !opts.allowFailure) throw this.failure(step, argv, result);
    return result;
  }

  async putFile(path: string, content: string | Buffer, opts: PutFileOptions): Promise<void> {
    const step = `put ${path}`;
    if (!path.startsWith('/')) throw new LinkdestError(`path must be absolute`, { host: this.name, step });
    if (!Number.isInteger(opts.mode) || opts.mode < 0 || opts.mode > 0o7777) {
      throw new LinkdestError(`invalid mode ${String(opts.mode)}`, { host: this.name, step });
    }
    const mode = opts.mode.toString(8).padStart(4, '0');
    const argv = ['sh', '-c', PUT_FILE_SCRIPT, 'sh', path, mode, opts.owner ?? '', opts.group ?? ''];
    const record = ['putFile', path, mode, `${opts.owner ?? ''}:${opts.group ?? ''}`];
    const raw = await this.recorded(record, argv, { stdin: content, step }, undefined, true);
    if (raw.code !== 0) {
      const why = lastLine(raw.stderr.toString('utf8')) || `exit code ${raw.code}`;
      throw new LinkdestError(`cannot write file: ${why}`, { host: this.name, step });
    }
  }

  async getFile(path: string): Promise<Buffer | undefined> {
    const step = `get ${path}`;
    const raw = await this.recorded(['getFile', path], ['sh', '-c', GET_FILE_SCRIPT, 'sh', path], { step }, undefined, false);
    if (raw.code === ABSENT) return undefined;
    if (raw.code !== 0) {
      const why = lastLine(raw.stderr.toString('utf8')) || `exit code ${raw.code}`;
      throw new LinkdestError(`cannot read file: ${why}`, { host: this.name, step });
    }
    return raw.stdout;
  }

  private async recorded(
    record: readonly string[],
    argv: readonly string[],
    opts: ExecOptions,
    env: Record<string, string> | undefined,
    mutating: boolean,
  ): Promise<RawResult> {
    let full: string[];
    try {
      const kill =
        opts.timeoutMs === undefined || this.remoteKillGraceSeconds === undefined
          ? undefined
          : Math.ceil(opts.timeoutMs / 1000) + this.remoteKillGraceSeconds;
      full = wrapArgv(argv, { become: this.become, env, killAfterSeconds: kill });
    } catch (err) {
      throw new LinkdestError((err as Error).message, { host: this.name, step: opts.step });
    }
    const t0 = performance.now();
    let code = -1;
    try {
      const raw = await this.exec(full, opts);
      code = raw.code;
      return raw;
    } finally {
      this.history.push({ argv: [...record], mutating, code, ms: Math.round(performance.now() - t0) });
    }
  }

  private failure(step: string, argv: readonly string[], r: RunResult): LinkdestError {
    const why = lastLine(r.stderr) || lastLine(r.stdout);
    // sudo itself refused (no NOPASSWD rule, not in sudoers): say so, not which command it was.
    if (this.become && r.code === 1 && r.stdout === '' && /^sudo: [^\n]*\n?$/.test(r.stderr)) {
      return new LinkdestError(
        `sudo -n: ${why.slice('sudo: '.length)}; the SSH user must be allowed to run commands as root without a password ` +
          `(USER ALL=(ALL) NOPASSWD: ALL in /etc/sudoers.d/, checked with visudo -c), or connect as root`,
        { host: this.name, step: 'become' },
      );
    }
    const shown = quoteArgv(argv).replace(/\s*\n\s*/g, ' ');
    const text = `${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown} exited with code ${r.code}${why ? `: ${why}` : ''}`;
    return new LinkdestError(text.replace(/\s*\n\s*/g, ' '), { host: this.name, step });
  }
}
