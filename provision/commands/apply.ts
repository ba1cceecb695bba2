/**
 * `linkdest apply`: the same plan as `plan`, a confirmation (or --yes), then every host
 * with changes applied in parallel with live progress, and a final table. Hosts already
 * in sync are not touched again. Exit 1 when any host failed or was unreachable.
 */
import type { Command } from 'commander';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { fleetExitCode, runFleet, type HostOutcome } from '../fleet.ts';
import { TransportPool, applyJob, type ApplyResult, type PlannedHost } from '../host-jobs.ts';
import { answersScripted, confirm } from '../prompt.ts';
import { fleetJson, type HostReport } from '../render/json.ts';
import { hostJsonLine, summaryJsonLine } from '../render/json-lines.ts';
import { createProgressRenderer } from '../render/progress.ts';
import { formatSummaryTable } from '../render/summary.ts';
import {
  addFleetOptions, formatPlanOutcomes, planPhase, planReport, processIO, selectedHosts, writeDebugCauses,
  type CommandIO, type FleetCliOptions,
} from './plan.ts';

export interface ApplyCliOptions extends FleetCliOptions {
  yes?: boolean;
  formatConfirm?: string;
  /** Backup hosts whose pull key is replaced (docs/pull.md). */
  rotatePullKey?: string[];
}

/** What apply did, without the resources' private data. */
function appliedJson(r: ApplyResult): unknown {
  return {
    changes: r.applied.map((c) => ({ resource: c.resource, action: c.action, summary: c.summary })),
    handlers: r.handlers,
  };
}

/** Apply outcome of one host merged with its plan outcome (durations add up). */
function hostReport(
  planned: HostOutcome<PlannedHost>,
  applied: HostOutcome<ApplyResult> | undefined,
  pool: TransportPool,
): HostReport {
  const base = planReport(planned, pool);
  if (applied === undefined) return base;
  const { step: _s, error: _e, ...rest } = base;
  return {
    ...rest,
    status: applied.status,
    durationMs: planned.durationMs + applied.durationMs,
    ...(applied.step === undefined ? {} : { step: applied.step }),
    ...(applied.error === undefined ? {} : { error: applied.error }),
    ...(applied.value === undefined ? {} : { applied: appliedJson(applied.value) }),
  };
}

async function applyPhase(
  planned: readonly PlannedHost[],
  opts: ApplyCliOptions,
  io: CommandIO,
  onOutcome?: (o: HostOutcome<ApplyResult>) => void,
): Promise<Map<string, HostOutcome<ApplyResult>>> {
  const progress = opts.json || opts.jsonLines
    ? undefined
    : createProgressRenderer({ out: io.stderr, tty: io.stderrIsTTY, hosts: planned.map((p) => p.spec.name), showChanges: true });
  const hosts = planned.map((p) => ({ ...p, name: p.spec.name }));
  const outcomes = await runFleet(hosts, applyJob({ debug: opts.debug ?? false, formatConfirm: opts.formatConfirm }), {
    forks: opts.forks,
    onEvent: progress?.onEvent,
    // Connections are already up: a failure now happened on the host, not on the way to it.
    unreachableSteps: [],
    ...(onOutcome === undefined ? {} : { onOutcome }),
  });
  progress?.finish();
  writeDebugCauses(outcomes, opts.debug, io);
  return new Map(outcomes.map((o) => [o.host, o]));
}

export async function runApply(opts: ApplyCliOptions, io: CommandIO = processIO()): Promise<number> {
  if (!opts.yes && !io.stdinIsTTY && !answersScripted()) {
    throw new LinkdestError('refusing to apply without confirmation: stdin is not a terminal; pass --yes', {
      step: 'apply',
      exitCode: EXIT.usage,
    });
  }
  const hosts = await selectedHosts(opts);
  for (const name of opts.rotatePullKey ?? []) {
    const h = hosts.find((x) => x.name === name);
    if (h === undefined || (h.pull ?? []).length === 0) {
      throw new LinkdestError(`--rotate-pull-key ${name}: ${h === undefined ? 'not a selected backup host' : 'this host pulls from no other machine'}`, { step: 'apply', exitCode: EXIT.usage });
    }
  }
  const pool = new TransportPool();
  try {
    // --json-lines: a host's line goes out once its end is known: after planning when there
    // is nothing to apply (or it failed), else after its apply.
    const lines = opts.jsonLines === true;
    const planned = await planPhase(hosts, pool, opts, io, lines ? (o) => {
      if (o.value === undefined || o.value.plan.changes.length === 0) io.stdout.write(hostJsonLine(hostReport(o, undefined, pool)));
    } : undefined);
    const plannedOf = new Map(planned.map((o) => [o.host, o]));
    if (!opts.json && !lines) io.stdout.write(formatPlanOutcomes(planned));
    const withChanges = planned.flatMap((o) => (o.value !== undefined && o.value.plan.changes.length > 0 ? [o.value] : []));
    const total = withChanges.reduce((n, p) => n + p.plan.changes.length, 0);

    let applied = new Map<string, HostOutcome<ApplyResult>>();
    if (withChanges.length === 0) {
      const allPlanned = planned.every((o) => o.value !== undefined);
      if (!opts.json && !lines && allPlanned) io.stdout.write('\nnothing to apply: every host is in sync\n');
    } else {
      const question = `Apply ${total} change${total === 1 ? '' : 's'} to ${withChanges.length} host${withChanges.length === 1 ? '' : 's'}?`;
      if (!opts.yes && !(await confirm(question))) {
        if (lines) io.stdout.write(summaryJsonLine('apply', EXIT.error, planned));
        else if (opts.json) io.stdout.write(fleetJson('apply', EXIT.error, planned.map((o) => planReport(o, pool))));
        else io.stderr.write('linkdest: apply cancelled; nothing was changed\n');
        return EXIT.error;
      }
      applied = await applyPhase(withChanges, opts, io, lines ? (o) => {
        io.stdout.write(hostJsonLine(hostReport(plannedOf.get(o.host)!, o, pool)));
      } : undefined);
    }

    const reports = planned.map((o) => hostReport(o, applied.get(o.host), pool));
    const exitCode = fleetExitCode('apply', reports);
    if (lines) {
      io.stdout.write(summaryJsonLine('apply', exitCode, reports));
    } else if (opts.json) {
      io.stdout.write(fleetJson('apply', exitCode, reports));
    } else {
      const rows = reports.map((r) => ({ ...r, changes: r.changes?.length }));
      io.stdout.write(`\n${formatSummaryTable(rows)}\n`);
    }
    return exitCode;
  } finally {
    await pool.closeAll();
  }
}

export function register(program: Command): void {
  addFleetOptions(program.command('apply').description('plan, confirm, then converge every selected host'))
    .option('-y, --yes', 'apply without asking (required when stdin is not a terminal)')
    .option('--format-confirm <serial-or-uuid>', 'allow formatting the disk with this serial or UUID although it holds data')
    .option('--rotate-pull-key <host>', 'replace the pull key of this backup host and its lines on every source host (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (opts: ApplyCliOptions) => {
      process.exitCode = await runApply({ ...opts, debug: program.opts().debug === true });
    });
}
