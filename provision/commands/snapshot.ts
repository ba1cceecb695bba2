/**
 * `linkdest snapshot`: one snapshot on this machine, no root, no config file, no
 * provisioning. It builds a RuntimeConfig in memory and runs the same engine as the
 * nightly run (prune before -> snapshot -> prune after), minus VMs, guard and report.
 * Local mode on purpose has no marker file and no mount check: DEST is whatever the user
 * named, created if missing (mkdir -p). It holds the set lock DEST/.linkdest-lock-NAME, the
 * same one the nightly run of that set holds, so neither touches the other's partial.
 * Without rsync it stops at once with one line saying how to install it.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseRuntimeConfig, type RuntimeConfig } from '../../runtime/config.ts';
import { parseSize } from '../../runtime/size.ts';
import { createLogger } from '../../runtime/log.ts';
import { acquireSetLock } from '../../runtime/lock.ts';
import { backup } from '../../runtime/backup.ts';
import { exitCodeFor, summaryLines } from '../../runtime/stats.ts';
import type { RunResult } from '../../runtime/run-result.ts';
import { hostname } from 'node:os';
import { setName } from '../../runtime/layout.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { missingPrerequisite } from '../../runtime/prerequisites.ts';

export interface SnapshotCommandOptions {
  source: string[];
  dest: string;
  name?: string;
  keepMin?: string;
  minFree?: string;
  exclude?: string[];
}

export function localConfig(o: SnapshotCommandOptions): RuntimeConfig {
  const dest = resolve(o.dest);
  const minFree = o.minFree === undefined ? 0 : parseSize(o.minFree, '--min-free');
  const keepMin = o.keepMin === undefined ? 30 : Number(o.keepMin);
  return parseRuntimeConfig({
    name: o.name,
    destination: { path: dest, mount: { kind: 'none' } },
    sources: o.source.map((s) => ({ path: /^[^/]+:\//.test(s) ? s : resolve(s) })),
    exclude: o.exclude ?? [],
    retention: {
      keep_min: Number.isInteger(keepMin) && keepMin >= 0 ? keepMin : -1,
      min_free_before: minFree, min_free_after: minFree, min_inodes_before: 0, min_inodes_after: 0,
    },
    state_dir: join(dest, '.linkdest-state'),
    log: { dir: join(dest, '.linkdest-state', 'log'), keep: 30 },
  }, 'command line');
}

export async function snapshotCommand(o: SnapshotCommandOptions): Promise<RunResult> {
  const cfg = localConfig(o);
  // Before DEST is even created: a missing rsync leaves nothing behind.
  const missing = missingPrerequisite();
  if (missing !== undefined) throw new LinkdestError(missing);
  const started = new Date();
  await mkdir(cfg.destination.path, { recursive: true });
  const log = createLogger({ stdout: true });
  const lock = await acquireSetLock(cfg, log);
  try {
    const b = await backup(cfg, log);
    const status = b.errors.length > 0 ? 'failed' : b.warnings.length > 0 ? 'warning' : 'ok';
    const r: RunResult = {
      host: hostname(), name: setName(cfg), status, startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started.getTime(), snapshot: b.snapshot, errors: b.errors, warnings: b.warnings,
      stats: b.stats, spaceBefore: b.spaceBefore, spaceAfter: b.spaceAfter, pruned: b.pruned,
      snapshotCount: b.snapshotCount, vms: [], exitCode: exitCodeFor(status),
    };
    for (const l of summaryLines(r)) log.info(l);
    return r;
  } finally {
    await lock.release();
  }
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command): void {
  program.command('snapshot')
    .description('take one hard-linked snapshot of local (or host:/path) directories into DEST/NAME/, no config needed')
    .requiredOption('--source <dir>', 'directory to back up (repeatable)', collect)
    .requiredOption('--dest <dir>', 'backup root; snapshots go to DEST/NAME/YYYY-MM-DD_HH-MM-SS')
    .option('--name <name>', 'snapshot set name (default: this host name)')
    .option('--keep-min <n>', 'never prune below this many snapshots (default 30)')
    .option('--min-free <size>', 'prune oldest snapshots while less space is free, e.g. 10G (default 0: never)')
    .option('--exclude <pattern>', 'rsync exclude pattern (repeatable)', collect)
    .action(async (o: SnapshotCommandOptions) => {
      const r = await snapshotCommand(o);
      process.exitCode = r.exitCode;
    });
}
