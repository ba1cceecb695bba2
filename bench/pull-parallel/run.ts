/**
 * Pulling two slow remote sources: linkdest with pull.parallel 2 (the default) vs 1, vs the
 * slower source alone (what parallel should come close to), and the
 * alternative, two bare `rsync -aH --numeric-ids -e ssh` one after the other (how rbme and
 * a cron line of rsyncs pull). Each source is a real sshd on its own loopback address (two
 * machines); rsync --bwlimit makes them slow (BENCH_KBPS each), A twice B's size.
 *   npx tsx bench/pull-parallel/run.ts                         (A 8 MiB, B 4 MiB at 2048 KiB/s, 3 rounds)
 *   BENCH_KBPS=1024 npx tsx bench/pull-parallel/run.ts         (slower: fixed costs weigh less)
 *   BENCH_MIB=2 BENCH_ROUNDS=1 npx tsx bench/pull-parallel/run.ts   (quick)
 * Every round is a first (full) snapshot into a fresh destination; the variants alternate.
 * Needs root (the sshd) and /usr/sbin/sshd.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup } from '../../runtime/backup.ts';
import { parseRuntimeConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/log.ts';
import { startLoopbackSshd, type LoopbackSshd } from '../../test/integration/transport/loopback-sshd.ts';

const MIB = Number(process.env.BENCH_MIB ?? 4);
const KBPS = Number(process.env.BENCH_KBPS ?? 2048);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'linkdest-bench-pull-'));
const log = createLogger({ stdout: false });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rshOf = (s: LoopbackSshd): string[] => ['ssh', '-p', String(s.port), '-i', s.clientKey, '-o', `UserKnownHostsFile=${s.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];

function fill(dir: string, mib: number): void {
  mkdirSync(dir, { recursive: true });
  // Incompressible, so the rate limit is what sets the time.
  for (let i = 0; i < mib; i++) writeFileSync(join(dir, `f${i}`), execFileSync('head', ['-c', String(1024 * 1024), '/dev/urandom']));
}

async function main(): Promise<void> {
  const a = await startLoopbackSshd();
  let b = await startLoopbackSshd();
  while (b.address === a.address) { await b.stop(); b = await startLoopbackSshd(); }
  try {
    const srcA = join(work, 'a');
    const srcB = join(work, 'b');
    fill(srcA, 2 * MIB);
    fill(srcB, MIB);
    let n = 0;
    const fresh = (): string => {
      const d = join(work, `dest${++n}`);
      mkdirSync(d);
      writeFileSync(join(d, '.linkdest-backup'), '');
      return d;
    };
    const linkdest = async (parallel: number, aloneA = false): Promise<number> => {
      const dest = fresh();
      const sources = [{ path: `root@${a.address}:${srcA}`, rsh: rshOf(a) }, { path: `root@${b.address}:${srcB}`, rsh: rshOf(b) }];
      const cfg = parseRuntimeConfig({
        name: 'set', destination: { path: dest }, pull: { parallel },
        sources: aloneA ? sources.slice(0, 1) : sources,
        rsync: { acls: false, xattrs: false, extra_args: [`--bwlimit=${KBPS}`] },
        retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
        log: { dir: join(work, 'log'), keep: 2 }, state_dir: join(work, 'state'),
      });
      const t = performance.now();
      const o = await backup(cfg, log);
      const s = (performance.now() - t) / 1000;
      if (o.errors.length > 0) throw new Error(o.errors.join('; '));
      rmSync(dest, { recursive: true, force: true });
      return s;
    };
    const bare = (): number => {
      const dest = fresh();
      const t = performance.now();
      for (const [s, src] of [[a, srcA], [b, srcB]] as const) {
        const r = spawnSync('rsync', ['-aH', '--numeric-ids', `--bwlimit=${KBPS}`, '-e', rshOf(s).join(' '), `root@${s.address}:${src}/`, join(dest, s.address)], { stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`rsync exited ${r.status}`);
      }
      const sec = (performance.now() - t) / 1000;
      rmSync(dest, { recursive: true, force: true });
      return sec;
    };
    const times: Record<string, number[]> = {
      'linkdest, pull.parallel 2': [], 'linkdest, pull.parallel 1': [], 'two bare rsyncs, one after the other': [], 'linkdest, A (the slower) alone': [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1, 2, 3] : [3, 2, 1, 0];
      for (const v of order) {
        if (v === 3) times['linkdest, A (the slower) alone']!.push(await linkdest(1, true));
        if (v === 0) times['linkdest, pull.parallel 2']!.push(await linkdest(2));
        if (v === 1) times['linkdest, pull.parallel 1']!.push(await linkdest(1));
        if (v === 2) times['two bare rsyncs, one after the other']!.push(bare());
      }
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`A ${2 * MIB} MiB, B ${MIB} MiB, --bwlimit=${KBPS} KiB/s each, ${ROUNDS} rounds, load average at the end ${load}`);
    console.log('| variant | median s | rounds |\n|---|---|---|');
    for (const [k, xs] of Object.entries(times)) console.log(`| ${k} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(', ')} |`);
    const p2 = median(times['linkdest, pull.parallel 2']!);
    console.log(`parallel 2 / parallel 1 = ${(p2 / median(times['linkdest, pull.parallel 1']!)).toFixed(2)}; parallel 2 / bare serial rsync = ${(p2 / median(times['two bare rsyncs, one after the other']!)).toFixed(2)}; parallel 2 / A alone = ${(p2 / median(times['linkdest, A (the slower) alone']!)).toFixed(2)}`);
    console.log(`(the slower source alone takes about ${((2 * MIB * 1024) / KBPS).toFixed(1)} s at that rate, the sum ${((3 * MIB * 1024) / KBPS).toFixed(1)} s)`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
