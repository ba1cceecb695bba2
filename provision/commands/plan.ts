/**
 * `linkdest plan`: connect to every selected host in parallel, gather facts, and show what
 * `apply` would change (one block per host with diffs, a summary line each). Read-only.
 * Exit: 0 all in sync, 2 changes pending, 1 any host failed or was unreachable.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { HostSpec } from '../../inventory/host-spec.ts';
import { loadInventory, selectHosts } from '../../inventory/load.ts';
import { fleetExitCode, runFleet, type HostOutcome } from '../fleet.ts';
import { TransportPool, planJob, type PlannedHost } from '../host-jobs.ts';
import { fleetJson, type HostReport } from '../render/json.ts';
import { hostJsonLine, summaryJsonLine } from '../render/json-lines.ts';
import { formatHostPlan } from '../render/plan-text.ts';
import { printable } from '../render/printable.ts';
import { createProgressRenderer, type TextSink } from '../render/progress.ts';

export interface FleetCliOptions {
  inventory: string;
  limit?: string;
  json?: boolean;
  /** One JSON line per host as it finishes, then a summary line (render/json-lines.ts). */
  jsonLines?: boolean;
  forks?: number;
  debug?: boolean;
}

/** Where a command writes; tests pass their own sinks, the CLI passes process streams. */
export interface CommandIO {
  stdout: TextSink;
  stderr: TextSink;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
}

export function processIO(): CommandIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

export function parseForks(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('expected a whole number of hosts >= 1');
  return Number(value);
}

/** Options shared by plan and apply. */
export function addFleetOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <file>', 'inventory file', './linkdest.yml')
    .option('--limit <hosts>', 'only these hosts or groups (comma-separated)')
    .option('--json', 'print one JSON document instead of text')
    .option('--json-lines', 'print one JSON line per host as it finishes, then a summary line')
    .option('--forks <n>', 'hosts worked on at once (default: 50)', parseForks);
}

export async function selectedHosts(opts: FleetCliOptions): Promise<HostSpec[]> {
  const { hosts } = await loadInventory(opts.inventory);
  return selectHosts(hosts, opts.limit);
}

/** Phase one of plan and apply: every host connected and planned, progress on stderr. */
export async function planPhase(
  hosts: readonly HostSpec[],
  pool: TransportPool,
  opts: FleetCliOptions & { formatConfirm?: string; rotatePullKey?: string[] },
  io: CommandIO,
  onOutcome?: (o: HostOutcome<PlannedHost>) => void,
): Promise<HostOutcome<PlannedHost>[]> {
  const progress = opts.json || opts.jsonLines
    ? undefined
    : createProgressRenderer({ out: io.stderr, tty: io.stderrIsTTY, hosts: hosts.map((h) => h.name), phase: 'plan' });
  const outcomes = await runFleet(
    hosts,
    planJob(pool, { debug: opts.debug ?? false, formatConfirm: opts.formatConfirm, ...(opts.rotatePullKey && { rotatePullKey: opts.rotatePullKey }) }),
    { forks: opts.forks, onEvent: progress?.onEvent, ...(onOutcome === undefined ? {} : { onOutcome }) },
  );
  progress?.finish();
  writeDebugCauses(outcomes, opts.debug, io);
  return outcomes;
}

/** With --debug, the full error of every host that failed (the table keeps one line each). */
export function writeDebugCauses(outcomes: readonly HostOutcome<unknown>[], debug: boolean | undefined, io: CommandIO): void {
  if (!debug) return;
  for (const o of outcomes) {
    if (o.cause === undefined) continue;
    const stack = o.cause instanceof Error ? (o.cause.stack ?? o.cause.message) : String(o.cause);
    io.stderr.write(`${o.host}: ${o.status}: ${stack}\n`);
  }
}

/** The per-host blocks of the plan: changes with diffs, or why the host has no plan. */
export function formatPlanOutcomes(outcomes: readonly HostOutcome<PlannedHost>[]): string {
  const blocks = outcomes.map((o) =>
    o.value === undefined
      ? printable(`${o.host}: ${o.status}${o.step === undefined ? '' : ` at ${o.step}`}: ${o.error ?? 'no plan'}`)
      : formatHostPlan(o.host, o.value.plan.changes, o.value.plan.notes, o.value.plan.status),
  );
  return `${blocks.join('\n\n')}\n`;
}

export function planReport(o: HostOutcome<PlannedHost>, pool: TransportPool): HostReport {
  const commands = pool.commands(o.host);
  return {
    host: o.host,
    status: o.status,
    durationMs: o.durationMs,
    ...(o.step === undefined ? {} : { step: o.step }),
    ...(o.error === undefined ? {} : { error: o.error }),
    ...(o.value === undefined ? {} : { changes: o.value.plan.changes, notes: [...o.value.plan.notes, ...o.value.plan.status] }),
    ...(commands === undefined ? {} : { commands }),
  };
}

export async function runPlan(opts: FleetCliOptions & { formatConfirm?: string }, io: CommandIO = processIO()): Promise<number> {
  const hosts = await selectedHosts(opts);
  const pool = new TransportPool();
  try {
    const stream = opts.jsonLines ? (o: HostOutcome<PlannedHost>): void => { io.stdout.write(hostJsonLine(planReport(o, pool))); } : undefined;
    const outcomes = await planPhase(hosts, pool, opts, io, stream);
    const exitCode = fleetExitCode('plan', outcomes);
    if (opts.jsonLines) io.stdout.write(summaryJsonLine('plan', exitCode, outcomes));
    else if (opts.json) io.stdout.write(fleetJson('plan', exitCode, outcomes.map((o) => planReport(o, pool))));
    else io.stdout.write(formatPlanOutcomes(outcomes));
    return exitCode;
  } finally {
    await pool.closeAll();
  }
}

export function register(program: Command): void {
  addFleetOptions(program.command('plan').description('show what apply would change on each host (read-only)'))
    .option('--format-confirm <serial-or-uuid>', 'show the plan as apply --format-confirm would run it (the disk is erased only by apply)')
    .action(async (opts: FleetCliOptions & { formatConfirm?: string }) => {
      process.exitCode = await runPlan({ ...opts, debug: program.opts().debug === true });
    });
}
