/**
 * Teardown that always runs: stop() in the normal case; on SIGINT/SIGTERM the bed is undone
 * before the signal takes effect; on a plain process exit (no async work possible) a
 * synchronous child runs the same cleanup. A kill -9 leaves it to the next start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { removeStateDir } from './cleanup.ts';

export async function teardown(stateDir: string, before: () => void): Promise<void> {
  before();
  if (!existsSync(stateDir)) return;
  const errors = await removeStateDir(stateDir);
  if (errors.length > 0) throw new Error(`testbed teardown: ${errors.join('; ')}`);
}

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Hooks for this state dir; returns the function that removes them again. */
export function registerTeardown(stateDir: string, before: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    unregister();
    void teardown(stateDir, before).catch(() => {}).finally(() => process.kill(process.pid, signal));
  };
  const onExit = () => {
    if (!existsSync(stateDir)) return;
    spawnSync(process.execPath, ['--import', 'tsx', CLI, 'remove', stateDir], { stdio: 'ignore', cwd: REPO });
  };
  const unregister = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  return unregister;
}
