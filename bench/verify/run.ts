/**
 * The cost of checksums, on the 50,000-file tree of bench/snapshot:
 * 1. the manifest's share of a real incremental run (`backup`, as the nightly run does it:
 *    copy, manifest, metadata, syncfs, commit), read from the snapshot's metadata; goal < 10 %
 *    (the manifest's time is what the run waits for after the copy; the merge beside rsync
 *    before it, manifest/ahead.ts, is printed apart);
 * 2. `linkdest-runtime verify --deep` of one snapshot against `xxh128sum` of the same files
 *    (find | xargs xxh128sum: the same hash, Debian's xxhash), and `sha256sum` (what an admin
 *    has everywhere), alternating, medians; goal: no slower than xxh128sum.
 *   npm run build && npx tsx bench/verify/run.ts                 (50,000 files, 3 rounds)
 *   BENCH_FILES=5000 BENCH_ROUNDS=1 npx tsx bench/verify/run.ts  (quick)
 * BENCH_DIR picks the work directory (default: a new one under /tmp); it is removed after.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { backup } from '../../runtime/backup.ts';
import { parseRuntimeConfig } from '../../runtime/config.ts';
import { readMetadata, setDir, switchLatest } from '../../runtime/layout.ts';
import { createLogger } from '../../runtime/log.ts';
import { generate, median, mutate } from '../snapshot/tree.ts';

const FILES = Number(process.env.BENCH_FILES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkdest-bench-verify-'));
const src = join(work, 'src');
const dest = join(work, 'dest');
mkdirSync(dest);
writeFileSync(join(dest, '.linkdest-backup'), '');
const cfg = parseRuntimeConfig({
  name: 'set', destination: { path: dest, marker: '.linkdest-backup' }, sources: [{ path: src }],
  retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
  rsync: { acls: false, xattrs: false }, log: { dir: join(work, 'log'), keep: 100 }, state_dir: join(work, 'state'),
});
const cfgFile = join(work, 'linkdest.json');
writeFileSync(cfgFile, JSON.stringify(cfg));
const log = createLogger({ stdout: false });
const bundle = join(import.meta.dirname, '../../dist/linkdest-runtime.mjs');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const files = generate(src, FILES);
const first = await backup(cfg, log);
const firstMeta = (await readMetadata(first.snapshot!))!;
console.log(`first snapshot: ${firstMeta.stats.files} files, run ${(firstMeta.stats.durationMs / 1000).toFixed(2)} s, manifest ${(firstMeta.manifest!.durationMs / 1000).toFixed(2)} s (every file hashed: ${firstMeta.manifest!.hashed})`);
await sleep(1100);
mutate(files);
await sleep(1100);

const run: number[] = [], manifest: number[] = [], hashed: number[] = [], alongside: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const o = await backup(cfg, log);
  const m = (await readMetadata(o.snapshot!))!;
  run.push(m.stats.durationMs / 1000);
  manifest.push(m.manifest!.durationMs / 1000);
  hashed.push(m.manifest!.hashed);
  alongside.push((m.manifest!.alongsideMs ?? 0) / 1000);
  // Back to the same previous snapshot and change set for the next round.
  rmSync(o.snapshot!, { recursive: true, force: true });
  await switchLatest(setDir(cfg), first.snapshot!.split('/').pop()!);
  await sleep(1100);
}
console.log(`incremental run (1 % changed, 0.5 % added, 0.5 % deleted), ${ROUNDS} rounds, median s:`);
console.log(`  whole run ${median(run).toFixed(2)}  [${run.map((x) => x.toFixed(2)).join(', ')}]`);
console.log(`  manifest  ${median(manifest).toFixed(2)}  [${manifest.map((x) => x.toFixed(2)).join(', ')}]  files hashed: ${hashed.join(', ')}`);
console.log(`  manifest / run: ${(median(manifest.map((x, i) => x / run[i]!)) * 100).toFixed(1)} % (goal < 10 %)`);
// What the run waits for after the copy (above) and what ran beside rsync before it (manifest/ahead.ts).
console.log(`  merged beside rsync before that ${median(alongside).toFixed(2)}  [${alongside.map((x) => x.toFixed(2)).join(', ')}]`);

const snap = first.snapshot!;
const name = snap.split('/').pop()!;
const timed = (cmd: string, args: string[]): number => {
  const t = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - t) / 1000;
};
const t = { verify: [] as number[], xxh128sum: [] as number[], sha256sum: [] as number[] };
const variants: [keyof typeof t, () => number][] = [
  ['verify', () => timed(process.execPath, [bundle, '--config', cfgFile, 'verify', '--deep', '--snapshot', name])],
  ['xxh128sum', () => timed('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 xxh128sum > /dev/null', 'sh', snap])],
  ['sha256sum', () => timed('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 sha256sum > /dev/null', 'sh', snap])],
];
variants[2]![1](); // warm the page cache for all alike
for (let r = 0; r < ROUNDS; r++) for (const [k, f] of r % 2 ? [...variants].reverse() : variants) t[k].push(f());
console.log(`deep verify of one snapshot (${firstMeta.stats.files} files) vs xxh128sum and sha256sum of the same files, page cache warm, alternating, median s:`);
for (const k of ['verify', 'xxh128sum', 'sha256sum'] as const) console.log(`  ${k.padEnd(9)} ${median(t[k]).toFixed(2)}  [${t[k].map((x) => x.toFixed(2)).join(', ')}]`);
console.log(`  verify / xxh128sum: ${(median(t.verify) / median(t.xxh128sum)).toFixed(2)} (goal <= 1); verify / sha256sum: ${(median(t.verify) / median(t.sha256sum)).toFixed(2)}`);
rmSync(work, { recursive: true, force: true });
