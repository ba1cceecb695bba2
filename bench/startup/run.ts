/**
 * How long a command takes to start and exit when it has nothing to do: `node
 * dist/linkdest.mjs ARGS` for a few commands' --help (each loads its command's code, and
 * runs none of it), `--version`, and the runtime's --version, beside `node -e 0` (Node
 * alone). Alternating, medians. BENCH_CLI_B=DIR: another build's dist/ (a checkout's, say
 * before a change), timed in the same rounds.
 *   npm run build && npx tsx bench/startup/run.ts
 *   BENCH_ROUNDS=31 BENCH_CLI_B=/path/to/other/dist npx tsx bench/startup/run.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../snapshot/tree.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const dists: [string, string][] = [['', join(import.meta.dirname, '../../dist')]];
if (process.env.BENCH_CLI_B) dists.push([' (B)', process.env.BENCH_CLI_B]);
for (const [, d] of dists) if (!existsSync(join(d, 'linkdest.mjs'))) throw new Error(`${d}/linkdest.mjs is missing: run npm run build`);

const rows: [string, string[]][] = [['node -e 0', ['-e', '0']]];
for (const [tag, d] of dists) {
  const cli = join(d, 'linkdest.mjs');
  rows.push(
    [`linkdest --version${tag}`, [cli, '--version']],
    [`linkdest snapshot --help${tag}`, [cli, 'snapshot', '--help']],
    [`linkdest status --help${tag}`, [cli, 'status', '--help']],
    [`linkdest plan --help${tag}`, [cli, 'plan', '--help']],
    [`linkdest --help${tag}`, [cli, '--help']],
    [`linkdest-runtime --version${tag}`, [join(d, 'linkdest-runtime.mjs'), '--version']],
  );
}

const times = new Map<string, number[]>(rows.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, args] of r % 2 ? [...rows].reverse() : rows) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (p.status !== 0) throw new Error(`${name} exited ${p.status}`);
    times.get(name)!.push(performance.now() - t0);
  }
}
console.log(`start and exit, ${ROUNDS} rounds alternating, median ms [min-max]; Node ${process.version}`);
for (const [name, xs] of times) console.log(`${name.padEnd(36)} ${median(xs).toFixed(0).padStart(5)}  [${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}]`);
