/**
 * Bundled (like the runtime) and run with the Node 18 of a test-bed host: reportStart,
 * then reportFinish for a fixed run result, with the config given as argv[2]. Prints the log.
 */
import { loadRuntimeConfig } from '../../../../runtime/config.ts';
import { reportFinish, reportStart } from '../../../../runtime/report/index.ts';
import { runResult } from '../../../unit/runtime-periphery/run-result-fixture.ts';
import { memoryLogger } from './memory-logger.ts';

async function main(): Promise<void> {
  const cfg = loadRuntimeConfig(process.argv[2]);
  const log = memoryLogger();
  await reportStart(cfg, log, { mailRetryBudgetMs: 1_000, mailRetryDelayMs: 100 });
  await reportFinish(runResult({ status: 'warning', warnings: ['1 file vanished'] }), cfg, log, { mailRetryBudgetMs: 1_000, mailRetryDelayMs: 100 });
  process.stdout.write(`${JSON.stringify({ node: process.version, log: log.lines })}\n`);
}

main().catch((e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exitCode = 1; });
