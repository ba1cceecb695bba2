/**
 * Entry point of the control-side CLI: parses arguments and dispatches, nothing else.
 * Each command lives in commands/<name>.ts and registers its own options; only the module of
 * the command being run is loaded (commands/index.ts).
 */
import { isMainThread } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { LinkdestError, EXIT } from '../runtime/errors.ts';
import { VERSION } from './version.ts';
import { commandsFor } from './commands/index.ts';

const program = new Command('linkdest')
  .description('Nightly hard-linked snapshots (RBME-style), provisioned over SSH onto USB disks or iSCSI LUNs')
  .version(VERSION, '-V, --version')
  .option('--debug', 'show stack traces and every command run')
  .showHelpAfterError(false)
  .configureOutput({
    // Commander's own errors ("unknown option", "missing argument") stay on one line.
    outputError: (str, write) => write(`linkdest: ${str.replace(/^error: /, '').trim()}\n`),
  })
  .exitOverride();

function debugEnabled(): boolean {
  return process.argv.includes('--debug');
}

async function main(): Promise<void> {
  try {
    for (const register of await commandsFor(process.argv.slice(2))) register(program);
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version land here with exit code 0.
      process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
      return;
    }
    if (e instanceof LinkdestError) {
      console.error(`linkdest: ${e.oneLine()}`);
      if (debugEnabled()) console.error(e.stack);
      process.exitCode = e.exitCode;
      return;
    }
    console.error(`linkdest: internal error: ${(e as Error)?.message ?? String(e)}`);
    if (debugEnabled()) console.error((e as Error)?.stack);
    else console.error('linkdest: run again with --debug for details');
    process.exitCode = EXIT.error;
  }
}

// The bundle is also the pre-link walk's worker thread (runtime/engine/walk-worker.ts), which runs no command.
if (isMainThread) await main();
