/**
 * Incremental snapshot benchmark: linkdest's engine vs (a) bare rsync --link-dest and
 * (b) cp -al + rsync, side by side on the same tree and change set, in one run.
 *   npx tsx bench/snapshot/run.ts                      (50,000 files, ~600 MiB, 3 rounds)
 *   BENCH_FILES=5000 BENCH_ROUNDS=1 npx tsx bench/snapshot/run.ts   (quick)
 * BENCH_DIR picks the work directory (default: a new one under /tmp); it is removed after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { copySource } from '../../runtime/engine/copy-source.ts';
import { mtimePrecision } from '../../runtime/engine/mtime-precision.ts';
import { createLogger } from '../../runtime/log.ts';
import { syncFilesystem } from '../../runtime/flush.ts';
import { generate, median, mutate } from './tree.ts';

const FILES = Number(process.env.BENCH_FILES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkdest-bench-'));
const src = join(work, 'src');
const log = createLogger({ stdout: false });
const flags = { acls: false, xattrs: false, oneFileSystem: false, excludes: [], extraArgs: [], rsh: ['ssh'], remote: false, nanoseconds: false };
const sh = (cmd: string, args: string[]): void => { execFileSync(cmd, args, { stdio: 'ignore' }); };
const timed = async (f: () => unknown): Promise<number> => { sh('sync', []); const t = performance.now(); await f(); return (performance.now() - t) / 1000; };

const files = generate(src, FILES);
// As a run does it: nanosecond mtimes where this rsync and filesystem keep them (runtime/snapshot.ts).
flags.nanoseconds = (await mtimePrecision(work)).nanoseconds;
const prev = join(work, 'prev');
const prevStartedMs = Date.now();
await copySource({ source: src, flags, dest: prev, destDirty: false }, log);
await new Promise((r) => setTimeout(r, 1100));
mutate(files);
await new Promise((r) => setTimeout(r, 1100));
const du = execFileSync('du', ['-sh', src], { encoding: 'utf8' }).split('\t')[0];
console.log(`tree: ${FILES} files, ${du}; change 1%, add 0.5%, delete 0.5%; rsync ${execFileSync('rsync', ['--version'], { encoding: 'utf8' }).split('\n')[0]}; linkdest compares mtimes ${flags.nanoseconds ? 'to the nanosecond' : 'in whole seconds'}`);

const t = { a: [] as number[], b: [] as number[], linkdest: [] as number[], syncfs: [] as number[], rm: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const a = join(work, `a${r}`), b = join(work, `b${r}`), l = join(work, `l${r}`);
  const order: [keyof typeof t, () => unknown][] = [
    ['a', () => sh('rsync', ['-aH', '--numeric-ids', '--delete', `--link-dest=${prev}`, `${src}/`, `${a}/`])],
    ['b', () => { sh('cp', ['-al', prev, b]); sh('rsync', ['-aH', '--delete', `${src}/`, `${b}/`]); }],
    ['linkdest', () => copySource({ source: src, flags, dest: l, prev, prevStartedMs, destDirty: false }, log)],
  ];
  for (const [name, f] of r % 2 ? order.reverse() : order) {
    t[name].push(await timed(f));
    // What a run adds before its commit rename (runtime/snapshot.ts): syncfs of the backup
    // filesystem, right after the copy, with the copy's writes still in the page cache.
    if (name === 'linkdest') { const t0 = performance.now(); await syncFilesystem(l); t.syncfs.push((performance.now() - t0) / 1000); }
  }
  const diff = execFileSync('rsync', ['-aHnci', '--delete', '--numeric-ids', `${a}/`, `${l}/`], { encoding: 'utf8' }).trim();
  if (diff) throw new Error(`linkdest's snapshot differs from bare rsync:\n${diff.slice(0, 2000)}`);
  const sample = readdirSync(join(prev, 'd000', 's0'))[0]!;
  if (statSync(join(l, 'd000', 's0', sample)).ino !== statSync(join(a, 'd000', 's0', sample)).ino) throw new Error('unchanged file not linked like bare rsync');
  t.rm.push(await timed(() => sh('rm', ['-rf', a])));
  rmSync(b, { recursive: true, force: true });
  rmSync(l, { recursive: true, force: true });
}
console.log(`rounds: ${ROUNDS}, order alternating; median seconds (all runs)`);
for (const k of ['a', 'b', 'linkdest', 'syncfs', 'rm'] as const) console.log(`${k.padEnd(9)} ${median(t[k]).toFixed(2)}  [${t[k].map((x) => x.toFixed(2)).join(', ')}]`);
console.log(`linkdest / (a): ${(median(t.linkdest) / median(t.a)).toFixed(2)}  (snapshots identical to (a): checked with rsync -n -c each round)`);
const withSync = t.linkdest.map((x, i) => x + t.syncfs[i]!);
console.log(`(linkdest + syncfs) / (a): ${(median(withSync) / median(t.a)).toFixed(2)}  (linkdest + syncfs median ${median(withSync).toFixed(2)} s)`);
rmSync(work, { recursive: true, force: true });
