/**
 * No-op reconcile of converged hosts: boots N test bed hosts (default 10), converges them
 * once with `linkdest apply --yes`, then times `plan` and `apply --yes --json` through the
 * real binary, R rounds each, and reads the commands each host ran from the JSON document.
 * Needs root and a built dist/ (npm run build). Figures go to bench/README.md by hand.
 *
 *   npx tsx bench/reconcile/noop.ts            # 10 hosts, 5 rounds
 *   BENCH_HOSTS=3 BENCH_ROUNDS=2 npx tsx bench/reconcile/noop.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { startHosts } from '../../test/testbed/index.ts';

const hosts = Number(process.env.BENCH_HOSTS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const bin = new URL('../../bin/linkdest.mjs', import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Doc { exit_code: number; hosts: { host: string; status: string; duration_ms: number; commands?: { total: number; mutating: number } }[] }

async function linkdest(args: string[]): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const r = await execa('node', [bin, ...args], { reject: false });
  return { ms: performance.now() - t0, code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), 'linkdest-bench-reconcile-'));
const bed = await startHosts(hosts, { log });
try {
  const entries: Record<string, unknown> = {};
  for (const h of bed.hosts) {
    const disk = await h.attachDisk(64 * 1024 * 1024);
    await h.check(['mkdir', '-p', '/srv/data']);
    entries[h.name] = {
      ssh: { host: h.ssh.host, user: 'root', identity: h.ssh.identity, known_hosts: h.ssh.known_hosts },
      disk: { usb: { device: disk.device } },
      sources: ['/srv/data'],
    };
  }
  const inv = join(work, 'linkdest.yml');
  await writeFile(inv, stringify({ hosts: entries }));

  const first = await linkdest(['apply', '--yes', '-i', inv]);
  log(`converge: exit ${first.code}, ${(first.ms / 1000).toFixed(2)} s`);
  if (first.code !== 0) throw new Error(`first apply failed:\n${first.stdout}\n${first.stderr}`);

  const planMs: number[] = [];
  const applyMs: number[] = [];
  const slowestHostMs: number[] = [];
  let perHost: number[] = [];
  let mutating = 0;
  for (let i = 0; i < rounds; i++) {
    const plan = await linkdest(['plan', '-i', inv]);
    if (plan.code !== 0) throw new Error(`plan of converged hosts exited ${plan.code}:\n${plan.stdout}\n${plan.stderr}`);
    planMs.push(plan.ms);
    const apply = await linkdest(['apply', '--yes', '--json', '-i', inv]);
    const doc = JSON.parse(apply.stdout) as Doc;
    if (doc.exit_code !== 0) throw new Error(`no-op apply exited ${doc.exit_code}`);
    applyMs.push(apply.ms);
    slowestHostMs.push(Math.max(...doc.hosts.map((h) => h.duration_ms)));
    perHost = doc.hosts.map((h) => h.commands?.total ?? NaN);
    mutating += doc.hosts.reduce((n, h) => n + (h.commands?.mutating ?? 0), 0);
  }
  const bare = await linkdest(['--version']);
  const load = (await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
  console.log(JSON.stringify({
    hosts,
    rounds,
    plan_ms: { median: Math.round(median(planMs)), all: planMs.map(Math.round) },
    apply_ms: { median: Math.round(median(applyMs)), all: applyMs.map(Math.round) },
    /** Connect + facts + plan of the slowest host inside one apply (no CLI startup). */
    slowest_host_ms: { median: Math.round(median(slowestHostMs)), all: slowestHostMs },
    cli_startup_ms: Math.round(bare.ms),
    commands_per_host: { max: Math.max(...perHost), min: Math.min(...perHost) },
    mutating_commands_total: mutating,
    loadavg: load,
  }, null, 2));
} finally {
  await bed.stop();
  await rm(work, { recursive: true, force: true });
}
