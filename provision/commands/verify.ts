/**
 * `linkdest verify HOST [--deep] [--snapshot NAME|--all] [--sample PCT] [--json]`: the
 * runtime's `verify` on the host over its transport. The runtime exits 1 on problems or
 * mismatches with its JSON report on stdout; that report is shown here (the same lines as
 * on the host) and the exit code passed on.
 */
import type { Command } from 'commander';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import type { DeepVerifyReport } from '../../runtime/verify/deep.ts';
import { formatMismatch, formatSummary } from '../../runtime/verify/format.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntime, runtimeFailure } from '../ops/remote.ts';

export interface VerifyOptions { inventory: string; deep?: boolean; snapshot?: string; all?: boolean; sample?: string; json?: boolean; debug?: boolean }
export interface VerifyReport { problems: string[]; deep: DeepVerifyReport | null }

export async function runVerify(host: string, o: VerifyOptions, deps: HostCommandDeps = {}): Promise<VerifyReport> {
  if (o.sample !== undefined && !(Number(o.sample) > 0 && Number(o.sample) <= 100)) {
    throw new LinkdestError(`--sample must be a percentage above 0 and at most 100, got ${JSON.stringify(o.sample)}`, { host, step: 'verify', exitCode: EXIT.usage });
  }
  const args = [
    '--json', ...(o.deep ? ['--deep'] : []), ...(o.all ? ['--all'] : []),
    ...(o.snapshot !== undefined ? [`--snapshot=${o.snapshot}`] : []), ...(o.sample !== undefined ? [`--sample=${Number(o.sample)}`] : []),
  ];
  const report = await onHost(o, host, deps, async ({ t, loc, write }) => {
    const r = await callRuntime(t, loc, 'verify', args);
    let parsed: VerifyReport | undefined;
    try {
      parsed = r.code === 0 || r.code === 1 ? JSON.parse(r.stdout) as VerifyReport : undefined;
    } catch { /* not a report: the runtime's own error follows */ }
    if (!parsed) throw runtimeFailure(t.name, 'verify', r, loc);
    if (o.json) write(`${JSON.stringify({ host, ...parsed }, null, 2)}\n`);
    else {
      const lines = [...parsed.problems, ...(parsed.deep?.mismatches ?? []).flatMap(formatMismatch)];
      lines.push(parsed.deep ? formatSummary(parsed.deep) : parsed.problems.length === 0 ? 'ok' : `${parsed.problems.length} problem(s)`);
      write(lines.map((l) => `${host}: ${l}\n`).join(''));
    }
    return parsed;
  });
  if (report.problems.length > 0 || (report.deep?.mismatches.length ?? 0) > 0) process.exitCode = EXIT.error;
  return report;
}

export function register(program: Command): void {
  addInventoryOption(program.command('verify').description('check a host\'s snapshots: metadata; with --deep, file contents against the checksum manifests'))
    .argument('<host>', 'inventory host name')
    .option('--deep', 're-read files and compare them with the manifests (each inode read once)')
    .option('--snapshot <name>', 'with --deep: this snapshot (default: the newest)')
    .option('--all', 'with --deep: every snapshot')
    .option('--sample <pct>', 'with --deep: this percentage of inodes, the next part of a rotation kept on the host')
    .option('--json', 'one JSON document')
    .action(async (host: string, o: VerifyOptions) => {
      await runVerify(host, { ...o, debug: debugOf(program) });
    });
}
