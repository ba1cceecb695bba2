/**
 * `linkdest restore HOST PATH`: restore on the host from a snapshot (the newest complete one
 * at or before --at, or --snapshot ID, default latest) to the original place or into --to
 * DIR. Files newer than the snapshot's copy are listed and the restore refused unless
 * --force; --dry-run lists every change rsync would make.
 */
import type { Command } from 'commander';
import { formatRestore } from '../../runtime/ops/format.ts';
import type { RestoreOutcome } from '../../runtime/ops/restore.ts';
import { addInventoryOption, debugOf, onHost, type HostCommandDeps } from '../ops/host-command.ts';
import { callRuntime, runtimeFailure } from '../ops/remote.ts';

export interface RestoreCliOptions {
  inventory: string;
  at?: string;
  snapshot?: string;
  to?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  debug?: boolean;
}

/** Host-side options as argv; each value its own `--opt=value` word, never split or parsed again. */
export function restoreOptionArgv(o: RestoreCliOptions): string[] {
  return [
    ...(o.at !== undefined ? [`--at=${o.at}`] : []),
    ...(o.snapshot !== undefined ? [`--snapshot=${o.snapshot}`] : []),
    ...(o.to !== undefined ? [`--to=${o.to}`] : []),
    ...(o.dryRun ? ['--dry-run'] : []),
    ...(o.force ? ['--force'] : []),
  ];
}

export async function runRestore(host: string, path: string, o: RestoreCliOptions, deps: HostCommandDeps & { stderr?: (s: string) => void } = {}): Promise<RestoreOutcome> {
  const stderr = deps.stderr ?? ((s: string) => { process.stderr.write(s); });
  return onHost(o, host, deps, async ({ t, loc, write }) => {
    const r = await callRuntime(t, loc, 'restore', ['--json', ...restoreOptionArgv(o)], [path], !o.dryRun);
    // The host lists refused (newer) files as warnings on stderr: show them, they are the answer.
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warn: '));
    if (warnings.length > 0) stderr(`${warnings.map((l) => `${host}: ${l.slice(6)}`).join('\n')}\n`);
    if (r.code !== 0) throw runtimeFailure(host, 'restore', r, loc);
    const out = JSON.parse(r.stdout) as RestoreOutcome;
    write(o.json ? `${JSON.stringify({ host, ...out }, null, 2)}\n` : formatRestore(out));
    return out;
  });
}

export function register(program: Command): void {
  addInventoryOption(program.command('restore').description('restore a file, directory or whole source on a host from a snapshot'))
    .argument('<host>', 'inventory host name')
    .argument('<path>', 'absolute path on the host as it was backed up, e.g. /Apps/db')
    .option('--at <date>', 'newest complete snapshot at or before this time (2026-11-24 = end of that day, or "2026-11-24 14:30")')
    .option('--snapshot <id>', 'this snapshot (YYYY-MM-DD_HH-MM-SS, see linkdest snapshots HOST)')
    .option('--to <dir>', 'restore into this directory on the host instead of the original place')
    .option('--dry-run', 'only list what would change')
    .option('--force', 'also overwrite files that are newer than the snapshot\'s copy, and write through symlinked parent directories of the target')
    .option('--json', 'one JSON document')
    .action(async (host: string, path: string, o: RestoreCliOptions) => {
      await runRestore(host, path, { ...o, debug: debugOf(program) });
    });
}
