/**
 * Day-two commands of the host CLI: restore, history, diff, snapshots, pin, unpin, accept, overview, logs.
 * Every one prints JSON with --json (what `linkdest` on the control machine reads over
 * SSH) or text for a person at the console. Progress goes to stderr.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { RuntimeConfig } from '../config.ts';
import { EXIT } from '../errors.ts';
import { setDir } from '../layout.ts';
import { NOTE_MAX } from '../pins.ts';
import { runningPid, stderrLogger, withDestination } from './access.ts';
import { formatDiff } from './diff.ts';
import { formatHistory, formatPin, formatRestore, formatRuns, formatSnapshots } from './format.ts';
import { diffSnapshots, history } from './history-command.ts';
import { gatherOverview, snapshotRows } from './overview.ts';
import { pinSnapshot, unpinSnapshot } from './pin.ts';
import { acceptSnapshot } from './accept.ts';
import { restore, type RestoreOptions } from './restore.ts';
import { findRunLog, runLogFiles, summarizeRun } from './run-logs.ts';

export type LoadConfig = (file: string) => RuntimeConfig;

const print = (json: boolean | undefined, data: unknown, text: () => string): void => {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : text());
};

const lineNumber = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a line number');
  return Number(v);
};

export function registerOpsCommands(program: Command, loadConfig: LoadConfig): void {
  const cfg = (): RuntimeConfig => loadConfig(program.opts<{ config: string }>().config);

  program.command('restore').description('restore a file, directory or source from a snapshot (never overwrites newer files without --force)')
    .argument('<path>', 'the original absolute path on this host, e.g. /Apps/db/app.conf')
    .option('--at <date>', 'newest complete snapshot at or before this time (2026-11-24 means the end of that day)')
    .option('--snapshot <id>', 'this snapshot (YYYY-MM-DD_HH-MM-SS or latest)')
    .option('--to <dir>', 'restore into this directory instead of the original place')
    .option('--dry-run', 'only list what would change')
    .option('--force', 'overwrite files that are newer than the snapshot\'s copy, and write through symlinked parent directories of the target')
    .option('--json', 'machine-readable output')
    .action(async (path: string, o: Omit<RestoreOptions, 'path'> & { json?: boolean }) => {
      const r = await restore(cfg(), { ...o, path }, stderrLogger(o.json));
      print(o.json, r, () => formatRestore(r));
    });

  program.command('history').description('the distinct versions of a file or directory across the snapshots')
    .argument('<path>', 'the original absolute path on this host')
    .option('--json', 'machine-readable output')
    .action(async (path: string, o: { json?: boolean }) => {
      const h = await history(cfg(), path, stderrLogger(o.json));
      print(o.json, h, () => formatHistory(h));
    });

  program.command('diff').description('files added, removed and changed between two snapshots')
    .argument('<from>', 'older snapshot (YYYY-MM-DD_HH-MM-SS)')
    .argument('<to>', 'newer snapshot (or latest)')
    .argument('[path]', 'only below this original path')
    .option('--json', 'machine-readable output')
    .action(async (a: string, b: string, path: string | undefined, o: { json?: boolean }) => {
      const d = await diffSnapshots(cfg(), a, b, path, stderrLogger(o.json));
      print(o.json, d, () => formatDiff(d, d.from, d.to));
    });

  program.command('snapshots').description('complete snapshots with date, space added, files and result')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const c = cfg();
      const s = await withDestination(c, { log: stderrLogger(o.json) }, () => snapshotRows(setDir(c)));
      print(o.json, s, () => formatSnapshots(s.rows, s.partials));
    });

  program.command('pin').description('keep a snapshot outside the retention rules: never pruned by space, inodes or thinning')
    .argument('<snapshot>', 'snapshot name (YYYY-MM-DD_HH-MM-SS) or latest')
    .option('--note <text>', `why it is kept, one line (at most ${NOTE_MAX} characters)`)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { note?: string; json?: boolean }) => {
      const p = await pinSnapshot(cfg(), id, o.note, stderrLogger(true));
      print(o.json, p, () => formatPin(p));
    });

  program.command('unpin').description('let the retention rules apply to a pinned snapshot again')
    .argument('<snapshot>', 'snapshot name (YYYY-MM-DD_HH-MM-SS) or latest')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      const p = await unpinSnapshot(cfg(), id, stderrLogger(true));
      print(o.json, p, () => formatPin(p));
    });

  program.command('accept').description('count a suspect snapshot (a source shrank or came up empty) as good: the shrink was meant')
    .argument('<snapshot>', 'snapshot name (YYYY-MM-DD_HH-MM-SS) or latest')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      const a = await acceptSnapshot(cfg(), id, stderrLogger(true));
      print(o.json, a, () => `${a.snapshot}: ${a.changed ? 'accepted, counts as a good snapshot from now on' : 'already accepted'}\n`);
    });

  program.command('overview').description('everything `linkdest status` shows of this host, as JSON')
    .option('--json', 'JSON output (the only format)')
    .action(async () => {
      const o = await gatherOverview(cfg(), stderrLogger(true));
      print(true, o, () => '');
      if (o.error) process.exitCode = EXIT.error;
    });

  program.command('logs').description('the log of the last run (or of --run ID)')
    .option('--run <id>', 'run id (the log stamp, see --list)')
    .option('--list', 'list the runs with their results')
    .option('--from-line <n>', 'print from this line on (1 = the first)', lineNumber)
    .option('--json', 'machine-readable output')
    .action(async (o: { run?: string; list?: boolean; fromLine?: number; json?: boolean }) => {
      const c = cfg();
      const dir = c.log.dir;
      const live = runningPid(c) !== undefined;
      if (o.list) {
        const files = await runLogFiles(dir);
        const runs = await Promise.all(files.map((f, i) => summarizeRun(dir, f, live && i === files.length - 1)));
        print(o.json, { dir, runs }, () => formatRuns(runs));
        return;
      }
      const file = await findRunLog(dir, o.run);
      const text = await readFile(`${dir}/${file}`, 'utf8');
      const from = Math.max(1, o.fromLine ?? 1);
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const summary = await summarizeRun(dir, file, live && (await runLogFiles(dir)).at(-1) === file);
      print(o.json, { ...summary, lines: lines.slice(from - 1), totalLines: lines.length }, () => lines.slice(from - 1).map((l) => `${l}\n`).join(''));
    });
}
