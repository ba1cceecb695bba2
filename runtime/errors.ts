/**
 * The one error type a user ever sees. The CLIs print `message` (prefixed with host and
 * step when known) on one line and exit with `exitCode`; stack traces only with --debug.
 * Lives in runtime/ because the runtime bundle may not import provision/, while the
 * provisioner may import runtime/.
 */
export class LinkdestError extends Error {
  readonly host: string | undefined;
  readonly step: string | undefined;
  readonly exitCode: number;

  constructor(message: string, opts: { host?: string; step?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LinkdestError';
    this.host = opts.host;
    this.step = opts.step;
    this.exitCode = opts.exitCode ?? 1;
  }

  /** `host: step: message`, the single line the CLI prints. */
  oneLine(): string {
    return [this.host, this.step, this.message].filter(Boolean).join(': ');
  }
}

/** Exit codes shared by both CLIs (documented in docs/runtime.md). */
export const EXIT = {
  ok: 0,
  error: 1,
  /** `plan`: changes pending; runtime: completed with warnings. */
  pendingOrWarnings: 2,
  usage: 2,
  locked: 75,
} as const;
