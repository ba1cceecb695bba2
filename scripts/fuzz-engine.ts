/**
 * The engine's differential fuzzer from the command line (root; rsync, setfacl, setfattr):
 *   npm run fuzz:engine -- --cases 20000 --seed 42
 * Runs N generated cases (test/integration/runtime/support/engine-fuzz.ts), prints progress
 * every 100 cases, and on a failure fast-check's shrunk counterexample with the seed and
 * path that replay it (`--seed S --path P`).
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { engineProperty } from '../test/integration/runtime/support/engine-fuzz.ts';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string' }, path: { type: 'string' } } });
const numRuns = Number(values.cases);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const started = Date.now();
let done = 0;
const property = engineProperty().afterEach(() => {
  if (++done % 100 === 0) console.log(`${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
console.log(`fuzz:engine: ${numRuns} cases, seed ${seed}`);
const r = await fc.check(property, { numRuns, seed, ...(values.path ? { path: values.path } : {}) });
if (r.failed) {
  console.log(fc.defaultReportMessage(r));
  console.log(String((r.errorInstance as Error | undefined)?.message ?? r.errorInstance));
  process.exitCode = 1;
} else {
  console.log(`fuzz:engine: ${r.numRuns} cases passed, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
