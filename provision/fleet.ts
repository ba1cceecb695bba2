/**
 * Runs one async job per host, in parallel (bounded by --forks), and reports what happens
 * as typed events for the renderers. A host that is unreachable or fails is recorded and
 * never stops the others: the fleet itself never rejects because of a host.
 */
import { performance } from 'node:perf_hooks';
import { LinkdestError, EXIT } from '../runtime/errors.ts';
import type { Change } from './resources/resource.ts';
import { createLimiter } from './limit.ts';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable';

export type FleetEvent =
  | { type: 'host-start'; host: string }
  | { type: 'step'; host: string; step: string; detail?: string }
  | { type: 'change'; host: string; change: Change }
  | {
      type: 'host-done';
      host: string;
      status: HostStatus;
      durationMs: number;
      /** Step the host was in when it failed (connect, plan, apply...). */
      step?: string;
      /** One line, for the summary table. */
      error?: string;
    };

export interface HostJobContext {
  /** The host enters a new phase; failures are attributed to the current step. */
  step(name: string, detail?: string): void;
  /** A change planned or applied on this host. */
  change(change: Change): void;
}

export interface HostJobResult<T> {
  changed: boolean;
  value: T;
}

export type HostJob<H, T> = (host: H, ctx: HostJobContext) => Promise<HostJobResult<T>>;

export interface HostOutcome<T> {
  host: string;
  status: HostStatus;
  durationMs: number;
  value?: T;
  step?: string;
  error?: string;
  /** The original error, for --debug. */
  cause?: unknown;
}

/**
 * Hosts worked on at once unless --forks says otherwise. bench/fleet: at 200 hosts, 50 at once
 * was as fast as all at once, and all at once let handshakes queue past their timeout on a
 * 2-core control machine (bench/README.md).
 */
export const DEFAULT_FORKS = 50;

export interface FleetOptions<T = unknown> {
  /** Hosts worked on at once; default DEFAULT_FORKS. */
  forks?: number;
  onEvent?: (event: FleetEvent) => void;
  /** Steps whose failure means "could not reach the host" rather than "failed". */
  unreachableSteps?: readonly string[];
  /** Each host's whole outcome (value included) as soon as it is known: for streaming output. */
  onOutcome?: (outcome: HostOutcome<T>) => void;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

/** One readable line from any error: no stack, no newlines, bounded length. */
export function oneLineError(e: unknown): string {
  const raw = e instanceof LinkdestError ? e.message : e instanceof Error ? e.message : String(e);
  const line = raw.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? 'unknown error';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function isUnreachable(e: unknown, step: string | undefined, unreachableSteps: readonly string[]): boolean {
  if (step !== undefined && unreachableSteps.includes(step)) return true;
  if (e instanceof LinkdestError && e.step !== undefined && unreachableSteps.includes(e.step)) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

export async function runFleet<H extends { name: string }, T>(
  hosts: readonly H[],
  job: HostJob<H, T>,
  opts: FleetOptions<T> = {},
): Promise<HostOutcome<T>[]> {
  const emit = opts.onEvent ?? (() => {});
  const unreachableSteps = opts.unreachableSteps ?? ['connect'];
  const limit = createLimiter(opts.forks ?? DEFAULT_FORKS);

  const runOne = async (host: H): Promise<HostOutcome<T>> => {
    const name = host.name;
    const started = performance.now();
    let current: string | undefined;
    emit({ type: 'host-start', host: name });
    const ctx: HostJobContext = {
      step(step, detail) {
        current = step;
        emit(detail === undefined ? { type: 'step', host: name, step } : { type: 'step', host: name, step, detail });
      },
      change(change) {
        emit({ type: 'change', host: name, change });
      },
    };
    let outcome: HostOutcome<T>;
    try {
      const result = await job(host, ctx);
      const durationMs = performance.now() - started;
      outcome = { host: name, status: result.changed ? 'changed' : 'ok', durationMs, value: result.value };
    } catch (e) {
      const durationMs = performance.now() - started;
      const step = e instanceof LinkdestError && e.step !== undefined ? e.step : current;
      outcome = {
        host: name,
        status: isUnreachable(e, current, unreachableSteps) ? 'unreachable' : 'failed',
        durationMs,
        error: oneLineError(e),
        cause: e,
        ...(step === undefined ? {} : { step }),
      };
    }
    const { value: _value, cause: _cause, ...done } = outcome;
    emit({ type: 'host-done', ...done });
    opts.onOutcome?.(outcome);
    return outcome;
  };

  return Promise.all(hosts.map((h) => limit(() => runOne(h))));
}

/** Counts per status, in a fixed order for tables and JSON. */
export function countStatuses(outcomes: readonly { status: HostStatus }[]): Record<HostStatus, number> {
  const counts: Record<HostStatus, number> = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}

/**
 * `plan`: 1 when any host failed or was unreachable, else 2 when changes are pending, else 0.
 * `apply`: 1 when any host failed or was unreachable, else 0.
 */
export function fleetExitCode(command: 'plan' | 'apply', outcomes: readonly { status: HostStatus }[]): number {
  const c = countStatuses(outcomes);
  if (c.failed > 0 || c.unreachable > 0) return EXIT.error;
  if (command === 'plan' && c.changed > 0) return EXIT.pendingOrWarnings;
  return EXIT.ok;
}
