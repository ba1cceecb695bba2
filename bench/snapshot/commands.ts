/**
 * The snapshot commands as users run them (Node start included), beside bare rsync with
 * the same flags, on a real ext4 loop filesystem (root only), alternating order, medians:
 *   - `linkdest snapshot --source SRC --dest D` (the CLI, bin/linkdest.mjs -> dist/)
 *   - `linkdest-runtime --config F run` (dist/linkdest-runtime.mjs, the bundle as deployed)
 *   - `rsync -aH --numeric-ids --delete --link-dest=PREV SRC/ NEW/`, PREV once at the depth of
 *     ours (the runtime's previous snapshot: DEST/NAME/STAMP/<source path>) and once shallow
 *   - first snapshot: the same commands into an empty destination beside bare
 *     `rsync -aH --numeric-ids --delete SRC/ NEW/`
 *   - the CLI gives rsync -A -X (its defaults, ACLs and xattrs kept): its ratios are against
 *     bare rsync with -aHAX, timed in the same rounds (the runtime's config turns them off)
 * Peak RSS is GNU time's %M: the largest single process of the command (node or its rsync).
 *   npm run build && npx tsx bench/snapshot/commands.ts          (50,000 files, 5 rounds)
 *   BENCH_FILES=5000 BENCH_ROUNDS=1 npx tsx bench/snapshot/commands.ts     (quick)
 *   BENCH_FILES=1000000 BENCH_ROUNDS=1 BENCH_FULL_ROUNDS=0 npx tsx bench/snapshot/commands.ts
 * BENCH_RUNTIME_B=FILE adds another runtime bundle (e.g. main's) to the rounds, for a before/after
 * (the first-snapshot rounds take a comma-separated list; the incremental ones its first).
 * BENCH_ROUNDS=0 runs only the first-snapshot rounds (no incremental setup).
 * BENCH_FULL_ROUNDS (default 3; 0 skips them) for the first-snapshot rows; BENCH_DIR picks where
 * the loop image goes. BENCH_MEMORY_MB=400 runs every command in a memory cgroup that size,
 * caches dropped before each, the loop device in direct I/O: a tree larger than memory, where
 * what a run reads back comes from the disk (memory-cage.ts). A run ends with a syncfs before its commit rename; bare rsync does
 * not, so the `sync --file-system` right after each bare rsync is timed apart, and the
 * ratios are given against bare rsync alone and against bare rsync + that sync.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { parseRuntimeConfig } from '../../runtime/config.ts';
import { switchLatest } from '../../runtime/layout.ts';
import { generate, median, mutate } from './tree.ts';
import { mountLoopExt4 } from './loop-fs.ts';
import { memoryCage } from './memory-cage.ts';

const FILES = Number(process.env.BENCH_FILES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FULL_ROUNDS = Number(process.env.BENCH_FULL_ROUNDS ?? 3);
const FULL = FULL_ROUNDS > 0;
/** BENCH_CLI=0 leaves out `linkdest snapshot` (the 1M mode: it runs the same engine as the runtime). */
const CLI = process.env.BENCH_CLI !== '0';
/** BENCH_RUNTIME_B=FILE: another runtime bundle (say, main's) in the same rounds, for a before/after. */
const RUNTIME_B = process.env.BENCH_RUNTIME_B?.split(',')[0];
/** The first-snapshot rounds take several: BENCH_RUNTIME_B=A,B,... (rows B1, B2, ...). */
const FIRST_B = process.env.BENCH_RUNTIME_B?.split(',') ?? [];
const bLabel = (i: number): string => (FIRST_B.length > 1 ? `BENCH_RUNTIME_B${i + 1}` : 'BENCH_RUNTIME_B');
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'bin/linkdest.mjs');
const runtime = join(root, 'dist/linkdest-runtime.mjs');
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkdest-bench-cmd-'));
// Room for the tree, three previous snapshots and the full-copy rounds; small files for 1M.
const big = FILES > 200_000;
const MEMORY_MB = Number(process.env.BENCH_MEMORY_MB ?? 0);
const cage = MEMORY_MB > 0 ? memoryCage(MEMORY_MB) : undefined;
const fs = mountLoopExt4(work, Math.max(8, Math.ceil(FILES / 50_000) * (big ? 1 : 4) + 4), Math.max(1 << 20, FILES * 6), cage !== undefined);
const mnt = fs.mnt;
let closed = false;
const cleanUp = (): void => { if (closed) return; closed = true; fs.close(); cage?.close(); rmSync(work, { recursive: true, force: true }); };
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
const src = join(mnt, 'src');
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Timing { s: number; rssMb: number; code: number }
/** One command, timed from spawn to exit, under GNU time for its peak RSS. */
async function timed(argv: string[], okCodes = [0, 2]): Promise<Timing> {
  const t = await timedOnce(argv, okCodes);
  console.log(`  ${t.s.toFixed(2)} s ${t.rssMb.toFixed(0)} MB  ${argv.slice(0, 3).map((a) => a.split('/').pop()).join(' ')}`);
  return t;
}
/** `sync --file-system` of `dir` right after a bare rsync: what a run's commit adds (runtime/flush.ts). */
function syncTime(dir: string): Timing {
  const t = performance.now();
  execFileSync('sync', ['--file-system', dir]);
  return { s: (performance.now() - t) / 1000, rssMb: 0, code: 0 };
}
function timedOnce(argv: string[], okCodes: number[]): Promise<Timing> {
  execFileSync('sync');
  cage?.coldCache();
  const rssFile = join(work, 'rss');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, ...(cage ? cage.wrap(argv) : argv)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('close', (code) => {
      const s = (performance.now() - t0) / 1000;
      if (!okCodes.includes(code ?? 1)) { reject(new Error(`${argv.join(' ')} exited ${code}: ${err.slice(-2000)}`)); return; }
      const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      resolve({ s, rssMb: kb / 1024, code: code ?? 0 });
    });
  });
}

function runtimeConfig(dest: string): string {
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, '.linkdest-backup'), '');
  const cfg = parseRuntimeConfig({
    name: 'bench', destination: { path: dest, marker: '.linkdest-backup' }, sources: [{ path: src }],
    retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
    rsync: { acls: false, xattrs: false }, log: { dir: join(dest, '.log'), keep: 1000 }, state_dir: join(dest, '.state'),
  });
  const file = join(mnt, `cfg-${dest.split('/').pop()}.json`);
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}
const snapshotsIn = (setDir: string): string[] => readdirSync(setDir).filter((n) => /^\d{4}-/.test(n)).sort();
const node = process.execPath;
const bare = (linkDest: string | undefined, dest: string, flags = '-aH'): string[] => ['rsync', flags, '--numeric-ids', '--delete', ...(linkDest ? [`--link-dest=${linkDest}`] : []), `${src}/`, `${dest}/`];
/** With the CLI's flags: `linkdest snapshot` keeps ACLs and xattrs (-A -X). */
const bareAX = (linkDest: string | undefined, dest: string): string[] => bare(linkDest, dest, '-aHAX');

const t0 = performance.now();
const files = generate(src, FILES, big);
console.log(`tree generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const load: number[] = [];
const rows: Record<string, Timing[]> = {};
const record = (k: string, x: Timing): void => { (rows[k] ??= []).push(x); load.push(loadavg()[0]!); };

if (ROUNDS > 0) await incrementalRounds();

/** The incremental rounds and their setup (previous snapshots, the change set); BENCH_ROUNDS=0 skips both. */
async function incrementalRounds(): Promise<void> {
  // Previous snapshots, one per tool, of the unchanged tree.
  const cliDest = join(mnt, 'cli');
  const rtDest = join(mnt, 'rt');
  const rtCfg = runtimeConfig(rtDest);
  const shallow = join(mnt, 'p');
  const first = { cli: CLI ? await timed([node, cli, 'snapshot', '--source', src, '--dest', cliDest, '--name', 'bench']) : undefined, rt: await timed([node, runtime, '--config', rtCfg, 'run']), bare: await timed(bare(undefined, shallow)) };
  console.log(`first snapshots (setup, cold): cli ${first.cli?.s.toFixed(2) ?? '-'} s, runtime ${first.rt.s.toFixed(2)} s, bare rsync ${first.bare.s.toFixed(2)} s`);
  const cliPrev = CLI ? snapshotsIn(join(cliDest, 'bench'))[0]! : '';
  const rtPrev = snapshotsIn(join(rtDest, 'bench'))[0]!;
  const rtBDest = join(mnt, 'rtb');
  const rtBCfg = RUNTIME_B ? runtimeConfig(rtBDest) : '';
  if (RUNTIME_B) await timed([node, RUNTIME_B, '--config', rtBCfg, 'run']);
  const rtBPrev = RUNTIME_B ? snapshotsIn(join(rtBDest, 'bench'))[0]! : '';
  const deep = join(rtDest, 'bench', rtPrev, src.slice(1));
  await sleep(1100);
  mutate(files);
  await sleep(1100);
  const du = sh('du', ['-sh', src]).split('\t')[0];
  console.log(`tree: ${FILES} files, ${du}; changed 1 %, added 0.5 %, deleted 0.5 %; ${sh('rsync', ['--version']).split('\n')[0]}; node ${process.version}`);
  console.log(`deep link-dest: ${deep} (${deep.split('/').length - 1} components); shallow: ${shallow}`);

  /** Undo a run's snapshot so the next one starts from the same previous snapshot. */
  const reset = async (dest: string, prevName: string): Promise<void> => {
    const set = join(dest, 'bench');
    for (const n of snapshotsIn(set)) if (n !== prevName) rmSync(join(set, n), { recursive: true, force: true });
    await switchLatest(set, prevName);
  };
  const allVariants: [string, () => Promise<Timing>, () => Promise<void>][] = [
    ['bare rsync --link-dest (deep, as ours)', async () => { const t = await timed(bare(deep, join(mnt, 'b1'))); record('sync after bare rsync --link-dest', syncTime(join(mnt, 'b1'))); return t; }, async () => rmSync(join(mnt, 'b1'), { recursive: true })],
    ['bare rsync --link-dest (shallow)', () => timed(bare(shallow, join(mnt, 'b2'))), async () => rmSync(join(mnt, 'b2'), { recursive: true })],
    ['linkdest snapshot', () => timed([node, cli, 'snapshot', '--source', src, '--dest', cliDest, '--name', 'bench']), () => reset(cliDest, cliPrev)],
    ['bare rsync -AX --link-dest (deep, as the CLI\'s)', async () => { const t = await timed(bareAX(join(cliDest, 'bench', cliPrev, src.slice(1)), join(mnt, 'b3'))); record('sync after bare rsync -AX --link-dest', syncTime(join(mnt, 'b3'))); return t; }, async () => rmSync(join(mnt, 'b3'), { recursive: true })],
    ['linkdest-runtime run', () => timed([node, runtime, '--config', rtCfg, 'run']), () => reset(rtDest, rtPrev)],
  ];
  if (RUNTIME_B) allVariants.push(['linkdest-runtime run (BENCH_RUNTIME_B)', () => timed([node, RUNTIME_B, '--config', rtBCfg, 'run']), () => reset(rtBDest, rtBPrev)]);
  const variants = allVariants.filter(([k]) => CLI || (k !== 'linkdest snapshot' && !k.includes('-AX')));
  for (let r = 0; r < ROUNDS; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
    for (const [name, run, undo] of order) {
      record(name, await run());
      if (r === 0 && name === 'linkdest-runtime run') {
        const made = snapshotsIn(join(rtDest, 'bench')).find((n) => n !== rtPrev)!;
        const b = join(mnt, 'check');
        execFileSync('rsync', bare(deep, b).slice(1));
        const diff = sh('rsync', ['-aHnci', '--delete', '--numeric-ids', `${b}/`, `${join(rtDest, 'bench', made, src.slice(1))}/`]).trim();
        rmSync(b, { recursive: true });
        if (diff) throw new Error(`the runtime's snapshot differs from bare rsync's:\n${diff.slice(0, 2000)}`);
      }
      await undo();
    }
    console.log(`round ${r + 1}/${ROUNDS} done, load ${loadavg()[0]!.toFixed(1)}`);
  }
}

if (FULL) {
  const fullVariants = ([
    ['first: bare rsync (no link-dest)', async () => { const t = await timed(bare(undefined, join(mnt, 'f1'))); record('first: sync after bare rsync', syncTime(join(mnt, 'f1'))); return t; }, () => rmSync(join(mnt, 'f1'), { recursive: true })],
    ['first: linkdest snapshot', () => timed([node, cli, 'snapshot', '--source', src, '--dest', join(mnt, 'f2'), '--name', 'bench']), () => rmSync(join(mnt, 'f2'), { recursive: true })],
    ['first: bare rsync -AX (the CLI\'s flags)', async () => { const t = await timed(bareAX(undefined, join(mnt, 'f4'))); record('first: sync after bare rsync -AX', syncTime(join(mnt, 'f4'))); return t; }, () => rmSync(join(mnt, 'f4'), { recursive: true })],
    ['first: linkdest-runtime run', () => timed([node, runtime, '--config', runtimeConfig(join(mnt, 'f3')), 'run']), () => rmSync(join(mnt, 'f3'), { recursive: true })],
    ...FIRST_B.map((b, i): [string, () => Promise<Timing>, () => void] => [`first: linkdest-runtime run (${bLabel(i)})`, () => timed([node, b, '--config', runtimeConfig(join(mnt, `fb${i}`)), 'run']), () => rmSync(join(mnt, `fb${i}`), { recursive: true })]),
  ] as [string, () => Promise<Timing>, () => void][]).filter(([k]) => CLI || (k !== 'first: linkdest snapshot' && !k.includes('-AX')));
  for (let r = 0; r < FULL_ROUNDS; r++) {
    for (const [name, run, undo] of fullVariants.map((_, i) => fullVariants[(i + r) % fullVariants.length]!)) { record(name, await run()); undo(); }
  }
}

const med = (k: string): number => median(rows[k]!.map((x) => x.s));
console.log(`\n${ROUNDS} incremental rounds, ${FULL_ROUNDS} first-snapshot rounds, order rotating; load average during the runs ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)} (2 cores, shared)${cage ? `; every command in a ${MEMORY_MB} MiB memory cgroup, caches dropped before it, loop device in direct I/O` : ''}`);
console.log('| command | median s | runs s | peak RSS MB (median) |\n|---|---|---|---|');
for (const [k, xs] of Object.entries(rows)) console.log(`| ${k} | ${med(k).toFixed(2)} | ${xs.map((x) => x.s.toFixed(2)).join(', ')} | ${median(xs.map((x) => x.rssMb)).toFixed(0)} |`);
const ratio = (a: string, b: string): string => `${(med(a) / med(b)).toFixed(2)}x`;
const withSync = (k: string, sync: string): number => median(rows[k]!.map((x, i) => x.s + rows[sync]![i]!.s));
if (ROUNDS > 0) {
console.log(`linkdest-runtime run / bare (deep): ${ratio('linkdest-runtime run', 'bare rsync --link-dest (deep, as ours)')}; / bare (shallow): ${ratio('linkdest-runtime run', 'bare rsync --link-dest (shallow)')}; / (bare (deep) + sync -f): ${(med('linkdest-runtime run') / withSync('bare rsync --link-dest (deep, as ours)', 'sync after bare rsync --link-dest')).toFixed(2)}x`);
if (RUNTIME_B) console.log(`linkdest-runtime run (BENCH_RUNTIME_B) / bare (deep): ${ratio('linkdest-runtime run (BENCH_RUNTIME_B)', 'bare rsync --link-dest (deep, as ours)')}; this bundle / B: ${ratio('linkdest-runtime run', 'linkdest-runtime run (BENCH_RUNTIME_B)')}`);
if (CLI) console.log(`linkdest snapshot / bare -AX (deep): ${ratio('linkdest snapshot', 'bare rsync -AX --link-dest (deep, as the CLI\'s)')}, / (bare -AX + sync -f): ${(med('linkdest snapshot') / withSync('bare rsync -AX --link-dest (deep, as the CLI\'s)', 'sync after bare rsync -AX --link-dest')).toFixed(2)}x; / bare -aH (shallow): ${ratio('linkdest snapshot', 'bare rsync --link-dest (shallow)')}`);
}
if (FULL) {
  const bareSync = withSync('first: bare rsync (no link-dest)', 'first: sync after bare rsync');
  if (CLI) console.log(`first: linkdest snapshot / bare -AX: ${ratio('first: linkdest snapshot', 'first: bare rsync -AX (the CLI\'s flags)')}, / (bare -AX + sync -f): ${(med('first: linkdest snapshot') / withSync('first: bare rsync -AX (the CLI\'s flags)', 'first: sync after bare rsync -AX')).toFixed(2)}x`);
  console.log(`first: linkdest-runtime run / bare: ${ratio('first: linkdest-runtime run', 'first: bare rsync (no link-dest)')}, / (bare + sync -f): ${(med('first: linkdest-runtime run') / bareSync).toFixed(2)}x`);
  for (const k of FIRST_B.map((_, i) => `first: linkdest-runtime run (${bLabel(i)})`)) console.log(`${k} / bare: ${ratio(k, 'first: bare rsync (no link-dest)')}; this bundle / it: ${ratio('first: linkdest-runtime run', k)}`);
}
cleanUp();
