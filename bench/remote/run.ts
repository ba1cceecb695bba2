/**
 * A source pulled over ssh, incremental, as users run it: `linkdest-runtime --config F run`
 * (the built bundle, Node start included) beside bare
 * `rsync -aH --numeric-ids --delete -e SSH --link-dest=PREV host:/src/ NEW/`, the link-dest
 * once at the depth of linkdest's layout (DEST/NAME/STAMP/HOST/abs/path) and once shallow
 * (DEST/p), same flags (no ACLs/xattrs on either side), from a loopback sshd (127.0.0.x),
 * everything on one ext4 loop filesystem. Alternating order, medians, ratios, peak RSS.
 *   npx tsx bench/remote/run.ts                        (50,000 files, 3 rounds; root)
 *   BENCH_FILES=5000 BENCH_ROUNDS=1 npx tsx bench/remote/run.ts   (quick)
 *   BENCH_LOG=1 ...                                    (prints each linkdest run's log, with times; first snapshots too)
 *   BENCH_FIRST_ROUNDS=3 ...                           (also the first snapshot, before the incremental rounds)
 *   BENCH_RUNTIME_B=/path/other-runtime.mjs ...        (the first snapshot by another bundle too, e.g. main's)
 * Each round's snapshot is checked against bare rsync's (rsync -n -c lists nothing) and
 * removed, so every round links against the same previous snapshot. First snapshots are
 * timed beside bare `rsync -aH --numeric-ids --delete -e SSH host:/src/ NEW/`, and beside it
 * followed by `sync -f` (linkdest's commit waits for the copy to be on disk; bare rsync
 * leaves that to the kernel).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { makeSmallExt4 } from '../../test/integration/runtime/support/small-ext4.ts';
import { startLoopbackSshd } from '../../test/integration/transport/loopback-sshd.ts';
import { loopbackRsh } from '../../test/integration/runtime/support/remote-host.ts';
import { runConfigInput } from '../../test/integration/runtime/support/run-config.ts';
import { shellQuoteArgv } from '../../runtime/engine/shell-quote.ts';
import { generate, median, mutate } from '../snapshot/tree.ts';
import { builtRuntime } from '../built-runtime.ts';

const FILES = Number(process.env.BENCH_FILES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FIRST_ROUNDS = Number(process.env.BENCH_FIRST_ROUNDS ?? 0);
const RUNTIME_B = process.env.BENCH_RUNTIME_B;
const { work, bundle } = builtRuntime('linkdest-bench-remote-');
const disk = await makeSmallExt4({ mib: Math.max(1024, Math.ceil(FILES / 50_000) * 3072), inodes: Math.max(200_000, FILES * 8) });
const sshd = await startLoopbackSshd();
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const loadBefore = load();

/** First snapshots of the whole tree, each into an empty destination: linkdest (and bundle B) beside bare rsync. */
function firstSnapshots(o: { src: string; spec: string; rsh: string[] }): void {
  const bundles: [string, string][] = [['linkdest', bundle], ...(RUNTIME_B ? [['linkdest-B', RUNTIME_B] as [string, string]] : [])];
  const t: Record<string, number[]> = { bare: [], 'bare+sync': [], ...Object.fromEntries(bundles.map(([n]) => [n, []])) };
  const from: Record<string, string> = {};
  const out = join(disk.mnt, 'first');
  const fresh = (): void => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    writeFileSync(join(out, '.linkdest-backup'), '');
  };
  for (let r = 0; r < FIRST_ROUNDS; r++) {
    const order: [string, () => void][] = [
      ['bare', () => {
        const t0 = performance.now();
        execFileSync('rsync', ['-aH', '--numeric-ids', '--delete', '-e', shellQuoteArgv(o.rsh), `${o.spec}/`, `${out}/copy/`]);
        t.bare!.push((performance.now() - t0) / 1000);
        execFileSync('sync', ['-f', out]);
        t['bare+sync']!.push((performance.now() - t0) / 1000);
      }],
      ...bundles.map(([name, b]): [string, () => void] => [name, () => {
        const cfg = join(work, `first-${name}.json`);
        writeFileSync(cfg, JSON.stringify(runConfigInput(join(work, `first-${name}`), out, [o.spec], { rsync: { rsh: o.rsh, acls: false, xattrs: false, extra_args: [] } })));
        const t0 = performance.now();
        const p = spawnSync(process.execPath, [b, '--config', cfg, 'run'], { encoding: 'utf8' });
        t[name]!.push((performance.now() - t0) / 1000);
        if (p.status !== 0) throw new Error(`${name} exited ${p.status}: ${p.stdout}${p.stderr}`);
        const snap = readdirSync(join(out, 'set')).find((n) => /^\d{4}-/.test(n))!;
        const m = JSON.parse(readFileSync(join(out, 'set', snap, '.linkdest-snapshot.json'), 'utf8')).manifest;
        from[name] = `manifest: ${m.fromRsync ?? 0} files hashed by rsync, ${m.hashed} read back`;
        if (process.env.BENCH_LOG) {
          const logDir = join(work, `first-${name}`, 'log');
          const logs = readdirSync(logDir).filter((n) => n.endsWith('.log')).sort();
          console.log(`${name}, ${t[name]!.at(-1)!.toFixed(2)} s in all:\n${readFileSync(join(logDir, logs.at(-1)!), 'utf8')}`);
        }
      }]),
    ];
    for (const [, f] of r % 2 ? order.reverse() : order) {
      fresh();
      execFileSync('sync');
      f();
    }
  }
  rmSync(out, { recursive: true, force: true });
  console.log(`first snapshot of ${FILES} files pulled over ssh: rounds ${FIRST_ROUNDS}, order alternating; median seconds [all runs]`);
  for (const [k, xs] of Object.entries(t)) console.log(`${k.padEnd(13)} ${median(xs).toFixed(2)} s  [${xs.map((x) => x.toFixed(2)).join(', ')}]${from[k] ? `  ${from[k]}` : ''}`);
  for (const [n] of bundles) console.log(`${n} / bare: ${(median(t[n]!) / median(t.bare!)).toFixed(2)}; ${n} / bare+sync: ${(median(t[n]!) / median(t['bare+sync']!)).toFixed(2)}`);
}

try {
  const src = join(disk.mnt, 'src');
  const dest = join(disk.mnt, 'dest');
  mkdirSync(dest);
  writeFileSync(join(dest, '.linkdest-backup'), '');
  const files = generate(src, FILES);
  const rsh = loopbackRsh(sshd);
  const spec = `root@${sshd.address}:${src}`;
  const config = join(work, 'linkdest.json');
  writeFileSync(config, JSON.stringify(runConfigInput(work, dest, [spec], { rsync: { rsh, acls: false, xattrs: false, extra_args: [] } })));
  const set = join(dest, 'set');
  const snapshots = (): string[] => readdirSync(set).filter((n) => /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/.test(n)).sort();
  const runtime = (): number => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', join(work, 'rss'), process.execPath, bundle, '--config', config, 'run'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`linkdest-runtime run exited ${r.status}: ${r.stdout}${r.stderr}`);
    if (process.env.BENCH_LOG) {
      const logs = readdirSync(join(work, 'log')).filter((n) => n.endsWith('.log')).sort();
      console.log(readFileSync(join(work, 'log', logs.at(-1)!), 'utf8'));
    }
    return Number(readFileSync(join(work, 'rss'), 'utf8').trim());
  };
  if (FIRST_ROUNDS > 0) firstSnapshots({ src, spec, rsh });
  // As on any night, the tree is not all a second old when the previous snapshot starts: the
  // source host's clock is read to the second (remote-listing.ts `remoteStartNs`), so a file
  // changed in the second before that start is not trusted and goes to rsync to check.
  await new Promise((r) => setTimeout(r, 2100));
  runtime();
  const prev = join(set, snapshots()[0]!, sshd.address, src.slice(1));
  const shallow = join(disk.mnt, 'p');
  execFileSync('cp', ['-al', prev, shallow]);
  await new Promise((r) => setTimeout(r, 1100));
  mutate(files);
  await new Promise((r) => setTimeout(r, 1100));
  const bare = (linkDest: string, out: string): number => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', join(work, 'rss'), 'rsync', '-aH', '--numeric-ids', '--delete', '-e', shellQuoteArgv(rsh), `--link-dest=${linkDest}`, `${spec}/`, `${out}/`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bare rsync exited ${r.status}: ${r.stderr}`);
    return Number(readFileSync(join(work, 'rss'), 'utf8').trim());
  };
  console.log(`tree: ${FILES} files; change 1%, add 0.5%, delete 0.5%; ${execFileSync('rsync', ['--version'], { encoding: 'utf8' }).split('\n')[0]}; sshd on ${sshd.address}; load average before: ${loadBefore}`);
  type Name = 'bare-deep' | 'bare-shallow' | 'linkdest';
  const t: Record<Name, number[]> = { 'bare-deep': [], 'bare-shallow': [], linkdest: [] };
  const rss: Record<Name, number[]> = { 'bare-deep': [], 'bare-shallow': [], linkdest: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const outDeep = join(disk.mnt, `bd${r}`);
    const outShallow = join(disk.mnt, `bs${r}`);
    const order: [Name, () => number][] = [
      ['bare-deep', () => bare(prev, outDeep)],
      ['bare-shallow', () => bare(shallow, outShallow)],
      ['linkdest', runtime],
    ];
    for (const [name, f] of r % 2 ? order.reverse() : order) {
      execFileSync('sync');
      const t0 = performance.now();
      const kb = f();
      t[name].push((performance.now() - t0) / 1000);
      rss[name].push(kb / 1024);
    }
    const snap = join(set, snapshots().pop()!);
    const mine = join(snap, sshd.address, src.slice(1));
    const diff = execFileSync('rsync', ['-aHnci', '--delete', '--numeric-ids', `${outDeep}/`, `${mine}/`], { encoding: 'utf8' }).trim();
    if (diff) throw new Error(`linkdest's snapshot differs from bare rsync's:\n${diff.slice(0, 2000)}`);
    const sample = readdirSync(join(prev, 'd000', 's0'))[0]!;
    if (statSync(join(mine, 'd000', 's0', sample)).ino !== statSync(join(outDeep, 'd000', 's0', sample)).ino) throw new Error('an unchanged file is not linked as bare rsync links it');
    for (const d of [outDeep, outShallow, snap]) rmSync(d, { recursive: true, force: true });
  }
  console.log(`rounds: ${ROUNDS}, order alternating; median seconds [all runs]; peak RSS median MiB; load average after: ${load()}`);
  // BENCH_ROUNDS=0: the first snapshots alone.
  if (ROUNDS > 0) for (const k of Object.keys(t) as Name[]) console.log(`${k.padEnd(13)} ${median(t[k]).toFixed(2)} s  [${t[k].map((x) => x.toFixed(2)).join(', ')}]  RSS ${median(rss[k]).toFixed(0)} MiB`);
  if (ROUNDS > 0) console.log(`linkdest / bare-deep: ${(median(t.linkdest) / median(t['bare-deep'])).toFixed(2)}; linkdest / bare-shallow: ${(median(t.linkdest) / median(t['bare-shallow'])).toFixed(2)} (each snapshot identical to bare rsync's: rsync -n -c, every round)`);
} finally {
  await sshd.stop();
  await disk.remove();
  rmSync(work, { recursive: true, force: true });
}
