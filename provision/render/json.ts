/**
 * `--json`: the machine-readable result of plan or apply, one document on stdout.
 * Planned changes carry their unified diff; `commands` counts what the transport ran
 * (total and mutating), which is how a caller proves a converged host was left alone.
 * Private resource data is never included and every string is masked (mask.ts).
 */
import type { Change } from '../resources/resource.ts';
import { countStatuses, type HostStatus } from '../fleet.ts';
import { unifiedDiff } from './diff.ts';
import { MASK, SECRET_KEY_WORDS, maskSecrets, namesALocation } from './mask.ts';
import { countActions } from './plan-text.ts';

export interface HostReport {
  host: string;
  status: HostStatus;
  durationMs: number;
  step?: string;
  error?: string;
  /** Changes planned for the host (undefined when planning did not complete). */
  changes?: readonly Change[];
  /** Choices the facts made while planning (`mount: static, because ...`). */
  notes?: readonly string[];
  /** What applyHost returned (apply only). */
  applied?: unknown;
  /** Commands the transport ran for this host, all phases together. */
  commands?: { total: number; mutating: number };
}

const SECRET_KEY = new RegExp(`(${SECRET_KEY_WORDS})`, 'i');

/** Masks secret-looking keys and strings anywhere in a JSON-able value. */
export function maskDeep(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    return SECRET_KEY.test(key) && !namesALocation(key) && value !== '' ? MASK : maskSecrets(value);
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, k)]));
  }
  return value;
}

function changeJson(c: Change): Record<string, unknown> {
  return {
    resource: c.resource,
    action: c.action,
    summary: maskSecrets(c.summary),
    ...(c.diff === undefined
      ? {}
      : {
          diff: {
            path: c.diff.path,
            before: c.diff.before === undefined ? null : maskSecrets(c.diff.before),
            after: c.diff.after === undefined ? null : maskSecrets(c.diff.after),
            unified: unifiedDiff(c.diff),
          },
        }),
  };
}

export function hostJson(r: HostReport): Record<string, unknown> {
  return {
    host: r.host,
    status: r.status,
    duration_ms: Math.round(r.durationMs),
    step: r.step ?? null,
    error: r.error === undefined ? null : maskSecrets(r.error),
    changes: r.changes === undefined ? null : r.changes.map(changeJson),
    counts: r.changes === undefined ? null : countActions(r.changes),
    ...(r.notes === undefined || r.notes.length === 0 ? {} : { notes: r.notes.map(maskSecrets) }),
    ...(r.applied === undefined ? {} : { applied: maskDeep(r.applied) }),
    ...(r.commands === undefined ? {} : { commands: r.commands }),
  };
}

export function fleetJson(command: 'plan' | 'apply', exitCode: number, reports: readonly HostReport[]): string {
  const doc = {
    command,
    exit_code: exitCode,
    summary: countStatuses(reports),
    hosts: reports.map(hostJson),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
