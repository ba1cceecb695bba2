/**
 * Runs the `linkdest snapshot` command module on its own, so the integration tests drive
 * the real command (argument parsing included) whether or not the lead has registered it
 * in provision/commands/index.ts yet. Started with tsx by the tests.
 */
import { Command } from 'commander';
import { LinkdestError } from '../../../../runtime/errors.ts';
import { register } from '../../../../provision/commands/snapshot.ts';

const program = new Command('linkdest').exitOverride();
register(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof LinkdestError) {
    console.error(`linkdest: ${e.oneLine()}`);
    process.exitCode = e.exitCode;
  } else {
    console.error(`linkdest: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
