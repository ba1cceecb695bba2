/**
 * `linkdest status`: one row per host (last snapshot and its age, the last run's result,
 * sizes, count, free space and inodes, next run, mounted, runtime version), all hosts in
 * parallel. Exit 1 when any host has no successful snapshot newer than --max-age, so it
 * works as a monitoring check; an unreachable host is a row, never a crash.
 */
import type { Command } from 'commander';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import type { HostSpec } from '../../inventory/host-spec.ts';
import { loadInventory, selectHosts } from '../../inventory/load.ts';
import type { Overview } from '../../runtime/ops/overview.ts';
import { runFleet, type HostOutcome } from '../fleet.ts';
import { jsonLine } from '../render/json-lines.ts';
import { parseForks } from './plan.ts';
import { INSTALLED_RUNTIME, type RuntimeLocation } from '../ops/remote.ts';
import { overviewOf } from '../ops/remote-overview.ts';
import { formatStatus } from '../ops/status-format.ts';
import { parseDuration, statusExitCode, statusRow, unreachableRow, type StatusRow } from '../ops/status-rows.ts';
import { VERSION } from '../version.ts';

export interface StatusOptions {
  inventory: string;
  limit?: string;
  json?: boolean;
  /** One JSON line per host as it answers, then a summary line. */
  jsonLines?: boolean;
  maxAge: string;
  forks?: number;
  debug?: boolean;
}

export interface StatusDeps {
  runtime?: RuntimeLocation;
  now?: () => Date;
  write?: (text: string) => void;
  hosts?: HostSpec[];
}

export async function runStatus(opts: StatusOptions, deps: StatusDeps = {}): Promise<{ code: number; rows: StatusRow[] }> {
  const maxAgeMs = parseDuration(opts.maxAge);
  if (maxAgeMs === undefined) {
    throw new LinkdestError(`--max-age ${opts.maxAge}: expected a duration like 26h, 90m or 2d`, { step: 'status', exitCode: EXIT.usage });
  }
  const hosts = deps.hosts ?? selectHosts((await loadInventory(opts.inventory)).hosts, opts.limit);
  const loc = deps.runtime ?? INSTALLED_RUNTIME;
  const write = deps.write ?? ((s: string) => process.stdout.write(s));
  const now = deps.now?.() ?? new Date();
  const rowOf = (o: HostOutcome<Overview>): StatusRow => (o.value
    ? statusRow(o.host, o.value, now, maxAgeMs, VERSION)
    : unreachableRow(o.host, o.error ?? 'unreachable', o.status === 'unreachable' ? 'unreachable' : 'error'));
  const outcomes = await runFleet(hosts, async (spec, ctx) => {
    ctx.step('connect');
    return { changed: false, value: await overviewOf(spec, loc, opts.debug ?? false) };
  }, {
    ...(opts.forks === undefined ? {} : { forks: opts.forks }),
    ...(opts.jsonLines ? { onOutcome: (o: HostOutcome<Overview>) => write(jsonLine({ type: 'host', ...rowOf(o) })) } : {}),
  });
  const rows = outcomes.map(rowOf);
  const code = statusExitCode(rows);
  if (opts.jsonLines) write(jsonLine({ type: 'summary', command: 'status', exit_code: code, max_age: opts.maxAge, stale: rows.filter((r) => r.stale).map((r) => r.host) }));
  else write(opts.json ? `${JSON.stringify({ control_version: VERSION, max_age: opts.maxAge, exit_code: code, hosts: rows }, null, 2)}\n` : formatStatus(rows, VERSION, opts.maxAge));
  return { code, rows };
}

export function register(program: Command): void {
  program.command('status').description('last snapshot, result, space and next run of every host (exit 1 if any is older than --max-age)')
    .option('-i, --inventory <file>', 'inventory file', './linkdest.yml')
    .option('--limit <hosts>', 'only these hosts or groups (comma-separated)')
    .option('--json', 'one JSON document')
    .option('--json-lines', 'one JSON line per host as it answers, then a summary line')
    .option('--max-age <duration>', 'a host without a successful snapshot this recent fails the check', '26h')
    .option('--forks <n>', 'hosts asked at once (default: 50)', parseForks)
    .action(async (o: StatusOptions) => {
      process.exitCode = (await runStatus({ ...o, debug: program.opts().debug === true })).code;
    });
}
