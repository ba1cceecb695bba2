/**
 * What the checks of a new snapshot (runtime/snapshot-checks.ts) add to an incremental run:
 * the census walk alone (spot check off: what the emptied-source guard and the link-ratio
 * alarm need), and the census with the spot check at its default 1 % sample; beside the
 * incremental copy itself and beside the thorough alternative, `rsync -aHnc` comparing every
 * file of the source with the snapshot by checksum. Alternating order, medians.
 *   npx tsx bench/snapshot-checks/run.ts                       (50,000 files, 3 rounds)
 *   BENCH_FILES=5000 BENCH_ROUNDS=1 npx tsx bench/snapshot-checks/run.ts
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { copySource } from '../../runtime/engine/copy-source.ts';
import { mtimePrecision } from '../../runtime/engine/mtime-precision.ts';
import { createLogger } from '../../runtime/log.ts';
import { checkSnapshot } from '../../runtime/snapshot-checks.ts';
import { parseRuntimeConfig } from '../../runtime/config.ts';

const FILES = Number(process.env.BENCH_FILES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkdest-bench-checks-'));
const src = join(work, 'src');
const log = createLogger({ stdout: false });
const flags = { acls: false, xattrs: false, oneFileSystem: false, excludes: [], extraArgs: [], rsh: ['ssh'], remote: false, nanoseconds: false };
const sizes = [200, 2_000, 8_000, 16_000, 34_000];
const sh = (cmd: string, args: string[]): void => { execFileSync(cmd, args, { stdio: 'ignore' }); };
const timed = async (f: () => unknown): Promise<number> => { sh('sync', []); const t = performance.now(); await f(); return (performance.now() - t) / 1000; };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const files: string[] = [];
for (let i = 0; i < FILES; i++) {
  const dir = join(src, `d${String(i % 250).padStart(3, '0')}`, `s${Math.floor(i / 250) % 8}`);
  if (i < 2000) mkdirSync(dir, { recursive: true });
  files.push(join(dir, `f${i}`));
  writeFileSync(files[i]!, Buffer.alloc(sizes[i % sizes.length]!, i % 251));
}
flags.nanoseconds = (await mtimePrecision(work)).nanoseconds;
const prev = join(work, 'prev');
const prevStartedMs = Date.now();
await copySource({ source: src, flags, dest: prev, destDirty: false }, log);
await new Promise((r) => setTimeout(r, 1100));
for (let i = 0; i < FILES; i += 100) appendFileSync(files[i]!, 'changed');
// The run started well before: no sampled file counts as changed during it.
await new Promise((r) => setTimeout(r, 2100));

const cfg = (spot: boolean) => parseRuntimeConfig({ destination: { path: work }, sources: [{ path: src }], spot: { enabled: spot } });
const prevMeta = { perSource: { [src]: { files: FILES + 2251, bytes: 0, regular: FILES, fresh: 0 } } };
const t = { copy: [] as number[], census: [] as number[], spot: [] as number[], rsyncC: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const l = join(work, `l${r}`);
  t.copy.push(await timed(() => copySource({ source: src, flags, dest: l, prev, prevStartedMs, destDirty: false }, log)));
  const checks = (spot: boolean) => checkSnapshot({
    cfg: cfg(spot), name: `l${r}`, copies: [{ source: src, dest: l, flags, bytesTotal: 0 }],
    baseline: { name: 'prev', meta: prevMeta as never }, runStartMs: Date.now() - 60_000, bytesUsed: 0,
  }, log);
  const order: [keyof typeof t, () => unknown][] = [
    ['census', () => checks(false)],
    ['spot', async () => { const o = await checks(true); if (o.warnings.length > 0) throw new Error(o.warnings.join('\n')); }],
    ['rsyncC', () => sh('rsync', ['-aHnc', '--delete', `${src}/`, `${l}/`])],
  ];
  for (const [name, f] of r % 2 ? order.reverse() : order) t[name].push(await timed(f));
  rmSync(l, { recursive: true, force: true });
}
console.log(`tree: ${FILES} files; 1 % changed; rounds ${ROUNDS}`);
console.log('| step | median s | rounds |\n|---|---|---|');
const label = { copy: 'incremental copy (engine)', census: 'checks, spot off (census walk)', spot: 'checks, spot 1 % (default)', rsyncC: 'rsync -aHnc (every file by checksum)' };
for (const k of Object.keys(t) as (keyof typeof t)[]) console.log(`| ${label[k]} | ${median(t[k]).toFixed(2)} | ${t[k].map((x) => x.toFixed(2)).join(', ')} |`);
rmSync(work, { recursive: true, force: true });
