/**
 * `linkdest trust HOST`: add the key an inventory host offers to its known_hosts, after the
 * user confirmed its fingerprint (at a terminal, or with --fingerprint in scripts).
 * Exit: 0 trusted (now or already), 1 refused or unreachable, 2 usage or no confirmation.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { loadInventory } from '../../inventory/load.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { confirm } from '../prompt.ts';
import { isFingerprint } from '../transport/host-key-trust.ts';
import { trustHost } from '../trust.ts';

interface TrustFlags {
  inventory: string;
  fingerprint?: string;
  yes?: boolean;
}

function parseFingerprint(value: string): string {
  const v = value.trim();
  if (!isFingerprint(v)) throw new InvalidArgumentError('expected SHA256: and 43 base64 characters, as `ssh-keygen -lf` prints it');
  return v;
}

export function register(program: Command): void {
  program
    .command('trust')
    .description("show a host's SSH key fingerprint and add it to its known_hosts once you confirm it")
    .argument('<host>', 'host name in the inventory')
    .option('-i, --inventory <file>', 'inventory file', './linkdest.yml')
    .option('--fingerprint <SHA256:...>', 'trust the key only if it has exactly this fingerprint (no question asked)', parseFingerprint)
    .option('-y, --yes', 'do not ask; requires --fingerprint')
    .action(async (name: string, flags: TrustFlags) => {
      const { file, hosts } = await loadInventory(flags.inventory);
      const spec = hosts.find((h) => h.name === name);
      if (spec === undefined) {
        throw new LinkdestError(`no host "${name}" in ${file} (hosts: ${hosts.map((h) => h.name).join(', ') || 'none'})`, { step: 'trust', exitCode: EXIT.usage });
      }
      process.exitCode = await trustHost(spec, {
        ...(flags.fingerprint !== undefined && { fingerprint: flags.fingerprint }),
        yes: flags.yes === true,
        interactive: process.stdin.isTTY === true,
        confirm: (message) => confirm(message, false),
        out: (line) => process.stdout.write(`${line}\n`),
        debug: program.opts().debug === true,
      });
    });
}
