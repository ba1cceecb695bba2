/**
 * Calling the runtime's day-two commands on a host over its Transport. Every value the
 * user typed is one argv element after `--`, so paths with spaces, quotes or `$()` reach
 * the host's runtime unchanged and nothing on the way interprets them.
 */
import type { Transport, RunResult } from '../transport/transport.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { CONFIG_PATH, RUNTIME_PATH } from '../resources/schedule.ts';

/** Where the runtime lives on the host; tests point this at a bundle of their own. */
export interface RuntimeLocation {
  node: string;
  runtime: string;
  config: string;
}

export const INSTALLED_RUNTIME: RuntimeLocation = { node: 'node', runtime: RUNTIME_PATH, config: CONFIG_PATH };

export function runtimeArgv(loc: RuntimeLocation, command: string, options: string[], positional: string[] = []): string[] {
  return [loc.node, loc.runtime, '--config', loc.config, command, ...options, ...(positional.length > 0 ? ['--', ...positional] : [])];
}

function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
}

/** A one-line error for a failed runtime call: not installed, too old, or its own message. */
export function runtimeFailure(host: string, command: string, r: RunResult, loc: RuntimeLocation): LinkdestError {
  const err = lastLine(r.stderr) || lastLine(r.stdout);
  const step = command;
  if (/Cannot find module|ENOENT.*linkdest-runtime|No such file/.test(r.stderr) || r.code === 127) {
    return new LinkdestError(`linkdest is not installed here (${loc.runtime} or node missing); run linkdest apply`, { host, step, exitCode: EXIT.error });
  }
  if (/unknown command/.test(r.stderr)) {
    return new LinkdestError(`the runtime on this host has no "${command}" command (older than this linkdest); run linkdest apply to update it`, { host, step, exitCode: EXIT.error });
  }
  const message = err.replace(/^linkdest-runtime: /, '') || `exited ${r.code}`;
  return new LinkdestError(message, { host, step, exitCode: r.code > 0 && r.code < 256 ? r.code : EXIT.error });
}

export async function callRuntime(t: Transport, loc: RuntimeLocation, command: string, options: string[], positional: string[] = [], mutating = false): Promise<RunResult> {
  return t.run(runtimeArgv(loc, command, options, positional), { allowFailure: true, mutating });
}

/** Runs a command with --json and returns the parsed document; a failure throws runtimeFailure. */
export async function callRuntimeJson<T>(t: Transport, loc: RuntimeLocation, command: string, options: string[], positional: string[] = [], mutating = false): Promise<T> {
  const r = await callRuntime(t, loc, command, ['--json', ...options], positional, mutating);
  if (r.code !== 0) throw runtimeFailure(t.name, command, r, loc);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new LinkdestError(`unexpected output from the runtime: ${lastLine(r.stdout).slice(0, 120)}`, { host: t.name, step: command });
  }
}
