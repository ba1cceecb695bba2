/**
 * `linkdest report --html FILE`: the fleet as one self-contained HTML page. Every host's
 * overview is fetched in parallel (one connection and one round trip per host, as for
 * `status`); an unreachable host is a row that says so. The file is written atomically.
 * Exit 0 once the file is written, whatever the hosts' state (`status` is the check).
 */
import { rename, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { HostSpec } from '../../inventory/host-spec.ts';
import { loadInventory, selectHosts } from '../../inventory/load.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { runFleet } from '../fleet.ts';
import { INSTALLED_RUNTIME, type RuntimeLocation } from '../ops/remote.ts';
import { overviewOf } from '../ops/remote-overview.ts';
import { parseDuration } from '../ops/status-rows.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { reportHosts, type HostOverview, type ReportHost } from '../report/report-hosts.ts';
import { VERSION } from '../version.ts';
import { parseForks } from './plan.ts';

export interface ReportOptions {
  html: string;
  inventory: string;
  limit?: string;
  maxAge: string;
  snapshots: number;
  forks?: number;
  debug?: boolean;
}

export interface ReportDeps {
  runtime?: RuntimeLocation;
  now?: () => Date;
  write?: (text: string) => void;
  hosts?: HostSpec[];
}

export async function runReport(opts: ReportOptions, deps: ReportDeps = {}): Promise<ReportHost[]> {
  const maxAgeMs = parseDuration(opts.maxAge);
  if (maxAgeMs === undefined) {
    throw new LinkdestError(`--max-age ${opts.maxAge}: expected a duration like 26h, 90m or 2d`, { step: 'report', exitCode: EXIT.usage });
  }
  const hosts = deps.hosts ?? selectHosts((await loadInventory(opts.inventory)).hosts, opts.limit);
  const loc = deps.runtime ?? INSTALLED_RUNTIME;
  const outcomes = await runFleet(hosts, async (spec, ctx) => {
    ctx.step('connect');
    return { changed: false, value: await overviewOf(spec, loc, opts.debug ?? false) };
  }, { ...(opts.forks === undefined ? {} : { forks: opts.forks }) });
  const now = deps.now?.() ?? new Date();
  const overviews = outcomes.map((o): HostOverview => (o.value
    ? { host: o.host, overview: o.value }
    : { host: o.host, error: o.error ?? 'unreachable', unreachable: o.status === 'unreachable' }));
  const rows = reportHosts(overviews, now, maxAgeMs, opts.snapshots, VERSION);
  const html = renderHtmlReport({ hosts: rows, generatedAt: now, maxAge: opts.maxAge, lastN: opts.snapshots, controlVersion: VERSION });
  const tmp = `${opts.html}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, html, { mode: 0o644 });
    await rename(tmp, opts.html);
  } catch (e) {
    throw new LinkdestError(`cannot write ${opts.html}: ${(e as Error).message}`, { step: 'report' });
  }
  const needLook = rows.filter((r) => r.severity < 4).length;
  (deps.write ?? ((s: string) => process.stdout.write(s)))(`wrote ${opts.html}: ${rows.length} hosts, ${needLook} need a look\n`);
  return rows;
}

function parseCount(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

export function register(program: Command): void {
  program.command('report').description('the fleet as one self-contained HTML page: last run of every host, charts of its last snapshots')
    .requiredOption('--html <file>', 'write the page here')
    .option('-i, --inventory <file>', 'inventory file', './linkdest.yml')
    .option('--limit <hosts>', 'only these hosts or groups (comma-separated)')
    .option('--max-age <duration>', 'a host without a successful snapshot this recent is stale', '26h')
    .option('--snapshots <n>', 'how many of the newest snapshots the charts show', parseCount, 30)
    .option('--forks <n>', 'hosts asked at once (default: 50)', parseForks)
    .action(async (o: ReportOptions) => {
      await runReport({ ...o, debug: program.opts().debug === true });
    });
}
