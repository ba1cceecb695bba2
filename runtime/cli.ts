/**
 * The host CLI (dist/linkdest-runtime.mjs): `run` is what the timer starts every night;
 * `list`, `prune`, `verify`, `status` are for the person at the console; day-two commands
 * (restore, history, snapshots, pin...) are in ops/.
 */
import { isMainThread } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { DEFAULT_CONFIG_PATH, loadRuntimeConfig, type RuntimeConfig } from './config.ts';
import { EXIT, LinkdestError } from './errors.ts';
import { setDir } from './layout.ts';
import { createLogger } from './log.ts';
import { acquireLock, acquireSetLock } from './lock.ts';
import { prune } from './prune.ts';
import { lockPath, runNightly } from './run.ts';
import { runOnAttach } from './disks/on-attach.ts';
import { ensureDestination } from './guard.ts';
import { verifyProblems, viewSet } from './inspect.ts';
import { formatBytes } from './size.ts';
import { readPins } from './pins.ts';
import { suspectSnapshots } from './suspect.ts';
import { registerOpsCommands } from './ops/index.ts';
import { runDeepVerify } from './verify/command.ts';
import { runScheduledVerify } from './verify/scheduled.ts';
import { formatMismatch, formatSummary as formatVerifySummary } from './verify/format.ts';

declare const LINKDEST_VERSION: string | undefined;
const VERSION = typeof LINKDEST_VERSION === 'string' ? LINKDEST_VERSION : 'dev';

const program = new Command('linkdest-runtime')
  .description('linkdest on a backup host: one nightly hard-linked snapshot run, and views of the snapshots')
  .version(VERSION, '-V, --version')
  .option('-c, --config <file>', 'runtime configuration', DEFAULT_CONFIG_PATH)
  .option('--debug', 'show stack traces')
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(`linkdest-runtime: ${str.replace(/^error: /, '').trim()}\n`) });

const config = (): RuntimeConfig => loadRuntimeConfig(program.opts<{ config: string }>().config);

program.command('run').description('one backup run (lock, VMs, guard, prune, snapshot, report)')
  .option('--on-attach <disk-id>', 'started by the plug-in trigger: run only when this disk\'s newest snapshot is older than rotation.min_age')
  .action(async (o: { onAttach?: string }) => {
    const cfg = config();
    if (o.onAttach !== undefined) process.exitCode = await runOnAttach(cfg, o.onAttach, () => runNightly(cfg));
    else process.exitCode = (await runNightly(cfg)).exitCode;
  });

program.command('list').description('complete snapshots, oldest first, with their figures and pins').action(async () => {
  const v = await viewSet(setDir(config()));
  const pins = await readPins(v.dir);
  const suspect = await suspectSnapshots(v.dir, v.snapshots.map((s) => s.name));
  for (const s of v.snapshots) {
    const m = s.meta;
    const fig = m ? `${m.status.padEnd(7)} ${String(m.stats.files).padStart(9)} files ${formatBytes(m.stats.bytesTransferred).padStart(10)} copied ${(m.stats.durationMs / 1000).toFixed(0).padStart(5)} s` : '(no metadata)';
    const pin = pins.get(s.name);
    const pinned = pin ? `  pinned${pin.note === undefined ? '' : `: ${pin.note}`}` : '';
    const flagged = suspect.has(s.name) ? `  SUSPECT: ${suspect.get(s.name)!.join('; ')}` : '';
    console.log(`${s.name}  ${fig}${v.latest === s.name ? '  <- latest' : ''}${pinned}${flagged}`);
  }
  for (const p of v.partials) console.log(`${p}  (interrupted; resumed by the next run)`);
  if (v.snapshots.length === 0) console.log(`no snapshots in ${v.dir}`);
});

program.command('prune').description('apply the retention rules (after-backup thresholds) now')
  .option('--dry-run', 'only say what would be deleted')
  .action(async (o: { dryRun?: boolean }) => {
    const cfg = config();
    const log = createLogger({});
    const lock = await acquireLock(lockPath(cfg), (m) => log.warn(m));
    try {
      const guard = await ensureDestination(cfg, log);
      try {
        const setLock = o.dryRun ? undefined : await acquireSetLock(cfg, log);
        try {
          const r = cfg.retention;
          const out = await prune({
            dir: setDir(cfg), spacePath: setDir(cfg), protect: [], dryRun: o.dryRun,
            policy: { keepMin: r.keep_min, thin: r.thin },
            thresholds: { minFreeBytes: r.min_free_after, minFreeInodes: r.min_inodes_after },
          }, log);
          if (out.pruned.length === 0) log.info('nothing to prune');
          if (out.warning) { log.warn(out.warning); process.exitCode = EXIT.pendingOrWarnings; }
        } finally {
          await setLock?.release();
        }
      } finally {
        await guard.release();
      }
    } finally {
      await lock.release();
    }
  });

program.command('verify').description('check the snapshot set: metadata, latest, leftovers; with --deep, file contents against the checksum manifests')
  .option('--deep', 're-read files and compare them with the manifests (each inode read once)')
  .option('--snapshot <name>', 'with --deep: this snapshot (default: the newest)')
  .option('--all', 'with --deep: every snapshot')
  .option('--sample <pct>', 'with --deep: this percentage of inodes, the next part of a rotation kept on the host', Number)
  .option('--json', 'machine-readable report')
  .option('--scheduled', 'what the verify timer runs: --deep --all --sample <verify.sample>, reported like a run (metrics, healthcheck, webhook, mail)')
  .action(async (o: { deep?: boolean; snapshot?: string; all?: boolean; sample?: number; json?: boolean; scheduled?: boolean }) => {
    const cfg = config();
    if (o.scheduled) {
      process.exitCode = (await runScheduledVerify(cfg, createLogger({}))).exitCode;
      return;
    }
    const problems = verifyProblems(await viewSet(setDir(cfg)));
    const deep = o.deep ? await runDeepVerify(cfg, o, createLogger({ stdout: !o.json })) : undefined;
    if (o.json) console.log(JSON.stringify({ problems, deep: deep ?? null }, null, 2));
    else {
      for (const p of problems) console.log(p);
      for (const m of deep?.mismatches ?? []) for (const l of formatMismatch(m)) console.log(l);
      if (deep) console.log(formatVerifySummary(deep));
      else if (problems.length === 0) console.log('ok');
    }
    process.exitCode = problems.length === 0 && (deep?.mismatches.length ?? 0) === 0 ? EXIT.ok : EXIT.error;
  });

program.command('status').description('the newest snapshot and the set at a glance')
  .option('--json', 'machine-readable output')
  .action(async (o: { json?: boolean }) => {
    const v = await viewSet(setDir(config()));
    const last = v.snapshots[v.snapshots.length - 1];
    const status = {
      dir: v.dir, snapshots: v.snapshots.length, latest: v.latest ?? null, partials: v.partials,
      last: last?.meta ?? (last ? { name: last.name } : null), problems: verifyProblems(v),
    };
    if (o.json) console.log(JSON.stringify(status, null, 2));
    else console.log(`${v.dir}: ${v.snapshots.length} snapshots, latest ${v.latest ?? 'none'}${last?.meta ? ` (${last.meta.status}, ${last.meta.finishedAt})` : ''}`);
  });

registerOpsCommands(program, loadRuntimeConfig);

try {
  // The bundle is also the pre-link walk's worker thread (engine/walk-worker.ts), which runs no command.
  if (isMainThread) await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
  else if (e instanceof LinkdestError) {
    console.error(`linkdest-runtime: ${e.oneLine()}`);
    if (program.opts<{ debug?: boolean }>().debug) console.error(e.stack);
    process.exitCode = e.exitCode;
  } else {
    console.error(`linkdest-runtime: internal error: ${(e as Error)?.message ?? String(e)}`);
    if (program.opts<{ debug?: boolean }>().debug) console.error((e as Error)?.stack);
    process.exitCode = EXIT.error;
  }
}
