/**
 * A stand-alone entry for the day-two commands, used by tests (and bundled by them for
 * hosts) until runtime/cli.ts registers registerOpsCommands itself. Same options, same
 * error handling as the runtime CLI.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_CONFIG_PATH, loadRuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { registerOpsCommands } from './index.ts';
import { RUNTIME_VERSION } from './version.ts';

const program = new Command('linkdest-runtime')
  .version(RUNTIME_VERSION, '-V, --version')
  .option('-c, --config <file>', 'runtime configuration', DEFAULT_CONFIG_PATH)
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(`linkdest-runtime: ${str.replace(/^error: /, '').trim()}\n`) });
registerOpsCommands(program, loadRuntimeConfig);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
  else if (e instanceof LinkdestError) {
    console.error(`linkdest-runtime: ${e.oneLine()}`);
    process.exitCode = e.exitCode;
  } else {
    console.error(`linkdest-runtime: internal error: ${(e as Error)?.message ?? String(e)}`);
    process.exitCode = EXIT.error;
  }
}
