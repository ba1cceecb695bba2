/**
 * The control machine itself as a host (`connection: local`): argv straight to execa,
 * never through a shell.
 */
import { constants } from 'node:os';
import { execa } from 'execa';
import { LinkdestError } from '../../runtime/errors.ts';
import { ExecTransport, type ExecOptions, type RawResult } from './exec-transport.ts';

/** Collected output may be large (getFile of a big file); only absurd sizes are refused. */
const MAX_OUTPUT_BYTES = 1024 * 1024 * 1024;

export interface LocalTransportOptions {
  /** Inventory name, used in errors. */
  name: string;
  /** Run through `sudo -n` (only meaningful when we are not root already). */
  become?: boolean;
}

export class LocalTransport extends ExecTransport {
  constructor(opts: LocalTransportOptions) {
    super(opts.name, (opts.become ?? false) && process.getuid?.() !== 0);
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  protected async exec(argv: readonly string[], opts: ExecOptions): Promise<RawResult> {
    const [file, ...args] = argv;
    if (file === undefined) throw new LinkdestError('empty command', { host: this.name, step: opts.step });
    const r = await execa(file, args, {
      ...(opts.stdin === undefined ? { stdin: 'ignore' as const } : { input: opts.stdin }),
      encoding: 'buffer',
      reject: false,
      stripFinalNewline: false,
      maxBuffer: MAX_OUTPUT_BYTES,
      ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
    });
    if (r.timedOut) {
      throw new LinkdestError(`timed out after ${(opts.timeoutMs ?? 0) / 1000} s`, { host: this.name, step: opts.step });
    }
    if (r.isMaxBuffer) {
      throw new LinkdestError(`output larger than ${MAX_OUTPUT_BYTES} bytes`, { host: this.name, step: opts.step });
    }
    const stdout = Buffer.from(r.stdout ?? new Uint8Array());
    const stderr = Buffer.from(r.stderr ?? new Uint8Array());
    if (r.exitCode === undefined && r.signal === undefined) {
      // Spawning failed (ENOENT, EACCES): report it like a shell would, as 127/126.
      const code = (r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 127 : 126;
      const why = Buffer.from(`${file}: ${(r.cause as Error | undefined)?.message ?? 'cannot execute'}\n`);
      return { stdout, stderr: Buffer.concat([stderr, why]), code };
    }
    return { stdout, stderr, code: r.exitCode ?? 128 + signalNumber(r.signal) };
  }
}

function signalNumber(signal: string | undefined): number {
  return constants.signals[signal as keyof typeof constants.signals] ?? 0;
}
