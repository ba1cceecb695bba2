/**
 * The blog's own case, incremental: a local `/Apps` and `marte:/Apps` pulled over ssh, in one
 * run, as users run it: `linkdest-runtime --config F run` (the built bundle, Node start
 * included) beside what its cron script ran, bare rsync once per source, one after the other:
 *   rsync -aH --numeric-ids --delete --link-dest=PREV/local /Apps/ NEW/local/
 *   rsync -aH --numeric-ids --delete -e SSH --link-dest=PREV/remote marte:/Apps/ NEW/remote/
 * and the same two at once (`&` and `wait`). Same flags on every side (no ACLs/xattrs), the
 * link-dest at the depth of linkdest's layout; a loopback sshd (127.0.0.x) as marte, one ext4
 * loop filesystem for everything. Alternating order, medians, ratios, peak RSS.
 *   npx tsx bench/seed/run.ts                           (30,000 files per source, 3 rounds; root)
 *   BENCH_FILES=5000 BENCH_ROUNDS=1 npx tsx bench/seed/run.ts   (quick)
 *   BENCH_RUNTIME_B=/path/to/other/linkdest-runtime.mjs ...     (another bundle as a row of its own)
 * Each linkdest snapshot is checked against bare rsync's copies (rsync -n -c lists nothing) and
 * removed, so every run links against the same previous snapshot.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { makeSmallExt4 } from '../../test/integration/runtime/support/small-ext4.ts';
import { startLoopbackSshd } from '../../test/integration/transport/loopback-sshd.ts';
import { loopbackRsh } from '../../test/integration/runtime/support/remote-host.ts';
import { runConfigInput } from '../../test/integration/runtime/support/run-config.ts';
import { shellQuoteArgv } from '../../runtime/engine/shell-quote.ts';
import { sourceSubdir, switchLatest } from '../../runtime/layout.ts';
import { generate, median, mutate } from '../snapshot/tree.ts';
import { builtRuntime } from '../built-runtime.ts';

const FILES = Number(process.env.BENCH_FILES ?? 30_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const { work, bundle } = builtRuntime('linkdest-bench-seed-');
const other = process.env.BENCH_RUNTIME_B;
const disk = await makeSmallExt4({ mib: Math.max(2048, Math.ceil(FILES / 30_000) * 4096), inodes: Math.max(200_000, FILES * 16) });
const sshd = await startLoopbackSshd();
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const loadBefore = load();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
try {
  const apps = join(disk.mnt, 'Apps');
  const marteApps = join(disk.mnt, 'marte-Apps');
  const dest = join(disk.mnt, 'dest');
  mkdirSync(dest);
  writeFileSync(join(dest, '.linkdest-backup'), '');
  const trees = [generate(apps, FILES), generate(marteApps, FILES)];
  const rsh = loopbackRsh(sshd);
  const spec = `root@${sshd.address}:${marteApps}`;
  const config = join(work, 'linkdest.json');
  writeFileSync(config, JSON.stringify(runConfigInput(work, dest, [apps, spec], { rsync: { rsh, acls: false, xattrs: false, extra_args: [] } })));
  const set = join(dest, 'set');
  const snapshots = (): string[] => readdirSync(set).filter((n) => /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/.test(n)).sort();
  const runtime = (b: string) => (): number => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', join(work, 'rss'), process.execPath, b, '--config', config, 'run'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`linkdest-runtime run exited ${r.status}: ${r.stdout}${r.stderr}`);
    return Number(readFileSync(join(work, 'rss'), 'utf8').trim());
  };
  // Older than the first snapshot's start by more than the source host's clock resolution (bench/remote says why).
  await sleep(2100);
  runtime(bundle)();
  const prevName = snapshots()[0]!;
  const prev = [join(set, prevName, sourceSubdir(apps)), join(set, prevName, sourceSubdir(spec))];
  await sleep(1100);
  for (const t of trees) mutate(t);
  await sleep(1100);
  const bareArgv = (i: number, out: string): string[] => ['rsync', '-aH', '--numeric-ids', '--delete', ...(i === 1 ? ['-e', shellQuoteArgv(rsh)] : []), `--link-dest=${prev[i]}`, `${i === 1 ? spec : apps}/`, `${out}/`];
  const timedRsync = (argv: string[], n: number): Promise<number> => new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', '%M', '-o', join(work, `rss${n}`), ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(Number(readFileSync(join(work, `rss${n}`), 'utf8').trim())) : reject(new Error(`bare rsync exited ${code}: ${err}`))));
  });
  const bareOut = (name: string, i: number): string => { mkdirSync(join(disk.mnt, name), { recursive: true }); return join(disk.mnt, name, String(i)); };
  const sequential = async (out: string): Promise<number> => Math.max(await timedRsync(bareArgv(0, bareOut(out, 0)), 0), await timedRsync(bareArgv(1, bareOut(out, 1)), 1));
  const parallel = async (out: string): Promise<number> => Math.max(...await Promise.all([0, 1].map((i) => timedRsync(bareArgv(i, bareOut(out, i)), i))));
  // The reference every linkdest snapshot is checked against (the sources do not change between rounds).
  await sequential('ref');
  console.log(`trees: 2 x ${FILES} files (local, and pulled over ssh from ${sshd.address}); change 1%, add 0.5%, delete 0.5% each; ${execFileSync('rsync', ['--version'], { encoding: 'utf8' }).split('\n')[0]}; load average before: ${loadBefore}`);
  type Row = [string, () => Promise<number>, string | undefined];
  const rows: Row[] = [
    ['bare, one after the other', () => sequential('seq'), 'seq'],
    ['bare, both at once', () => parallel('par'), 'par'],
    ['linkdest', async () => runtime(bundle)(), undefined],
    ...(other ? [['linkdest (B)', async () => runtime(other)(), undefined] as Row] : []),
  ];
  const t = new Map<string, number[]>(rows.map(([k]) => [k, []]));
  const rss = new Map<string, number[]>(rows.map(([k]) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f, out] of r % 2 ? [...rows].reverse() : rows) {
      execFileSync('sync');
      const t0 = performance.now();
      const kb = await f();
      t.get(name)!.push((performance.now() - t0) / 1000);
      rss.get(name)!.push(kb / 1024);
      if (out) continue;
      // Each linkdest run's snapshot equals bare rsync's copies; then it goes, and `latest` with it.
      const snap = join(set, snapshots().pop()!);
      for (const [i, s] of [apps, spec].entries()) {
        const diff = execFileSync('rsync', ['-aHnci', '--delete', '--numeric-ids', `${bareOut('ref', i)}/`, `${join(snap, sourceSubdir(s))}/`], { encoding: 'utf8' }).trim();
        if (diff) throw new Error(`linkdest's copy of ${s} differs from bare rsync's:\n${diff.slice(0, 2000)}`);
      }
      rmSync(snap, { recursive: true, force: true });
      await switchLatest(set, prevName);
    }
    for (const d of ['seq', 'par']) rmSync(join(disk.mnt, d), { recursive: true, force: true });
  }
  console.log(`rounds: ${ROUNDS}, order alternating; median seconds [all runs]; peak RSS median MiB (largest process); load average after: ${load()}`);
  for (const [k] of rows) console.log(`${k.padEnd(26)} ${median(t.get(k)!).toFixed(2)} s  [${t.get(k)!.map((x) => x.toFixed(2)).join(', ')}]  RSS ${median(rss.get(k)!).toFixed(0)} MiB`);
  const m = (k: string): number => median(t.get(k)!);
  console.log(`linkdest / bare one after the other: ${(m('linkdest') / m('bare, one after the other')).toFixed(2)}; linkdest / bare both at once: ${(m('linkdest') / m('bare, both at once')).toFixed(2)}${other ? `; linkdest / linkdest (B): ${(m('linkdest') / m('linkdest (B)')).toFixed(2)}` : ''}`);
} finally {
  await sshd.stop();
  await disk.remove();
  rmSync(work, { recursive: true, force: true });
}
