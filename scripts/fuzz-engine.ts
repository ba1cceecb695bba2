/**
 * The engine's differential fuzzer from the command line (root; rsync, setfacl, setfattr):
 *   npm run fuzz:engine -- --cases 20000 --seed 42 [--via bundle] [--remote ssh|pull-key]
 * Runs N generated cases (in this process, or `--via bundle`: the freshly built runtime
 * bundle run as a user runs it, `linkdest-runtime --config FILE run`) (test/integration/runtime/support/engine-fuzz.ts), prints progress
 * every 100 cases, and on a failure fast-check's shrunk counterexample with the seed and
 * path that replay it (`--seed S --path P`). `--remote` pulls the source over ssh from a
 * loopback sshd (`ssh`: an unrestricted key; `pull-key`: the pull key's forced command).
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { engineProperty, freshBundle, fuzzCounts, type Runner } from '../test/integration/runtime/support/engine-fuzz.ts';
import { remoteHost } from '../test/integration/runtime/support/remote-host.ts';
import { startLoopbackSshd } from '../test/integration/transport/loopback-sshd.ts';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string' }, path: { type: 'string' }, via: { type: 'string', default: 'process' }, remote: { type: 'string' } } });
if (values.via !== 'process' && values.via !== 'bundle') {
  console.error(`fuzz:engine: --via ${values.via}: expected process or bundle`);
  process.exit(2);
}
if (values.remote !== undefined && values.remote !== 'ssh' && values.remote !== 'pull-key') {
  console.error(`fuzz:engine: --remote ${values.remote}: expected ssh or pull-key`);
  process.exit(2);
}
const numRuns = Number(values.cases);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const started = Date.now();
let done = 0;
// A bundle is built now, so the cases run today's code.
const sshd = values.remote ? await startLoopbackSshd() : undefined;
const remote = sshd ? { remote: remoteHost(sshd, values.remote === 'pull-key') } : {};
const runner: Runner = values.via === 'bundle' ? { via: 'bundle', bundle: freshBundle('inherit'), ...remote } : { via: 'process', ...remote };
const property = engineProperty(runner).afterEach(() => {
  if (++done % 100 === 0) console.log(`${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
console.log(`fuzz:engine: ${numRuns} cases, seed ${seed}, via ${values.via}${values.remote ? `, remote source over ${values.remote}` : ''}`);
const r = await fc.check(property, { numRuns, seed, ...(values.path ? { path: values.path } : {}) });
await sshd?.stop();
if (runner.via === 'bundle') rmSync(dirname(runner.bundle), { recursive: true, force: true });
if (r.failed) {
  console.log(fc.defaultReportMessage(r));
  console.log(String((r.errorInstance as Error | undefined)?.message ?? r.errorInstance));
  process.exitCode = 1;
} else {
  console.log(`fuzz:engine: ${r.numRuns} cases passed, seed ${seed}, via ${values.via}, ${((Date.now() - started) / 1000).toFixed(0)} s${values.via === 'process' ? `; ${fuzzCounts.manifestLinked} manifests took pre-linked files' lines unstatted (${fuzzCounts.mergedAhead} merged while rsync ran), ${fuzzCounts.firstSplit} first copies ran as concurrent passes, ${fuzzCounts.hashedByRsync} manifests took rsync's hashes${values.remote ? `, ${fuzzCounts.remotePrelinked} remote copies pre-linked from the listing` : ''}` : ''}`);
}
