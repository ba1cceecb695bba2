/**
 * `linkdest inventory show [-i FILE] [--host NAME] [--limit ...] [--json]`: each backup
 * host's settings after every layer is merged (defaults < groups < host in linkdest.yml,
 * Ansible's precedence in an Ansible inventory), as `ansible-inventory --host` shows
 * variables. Built-in defaults are not added: this is what the inventory says. Secrets are
 * only ever references, and anything that looks like one is masked all the same.
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadInventory, selectHosts, type Inventory } from '../../inventory/load.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { closest } from '../../inventory/suggest.ts';
import { maskSecrets } from '../render/mask.ts';

export interface ShowOptions {
  host?: string;
  limit?: string;
  json?: boolean;
}

/** The text `inventory show` prints. Throws LinkdestError for an unknown --host. */
export function showInventory(inv: Inventory, opts: ShowOptions): string {
  const settings = inv.settings ?? {};
  if (opts.host !== undefined) {
    const spec = inv.hosts.find((h) => h.name === opts.host);
    if (!spec) {
      const names = inv.hosts.map((h) => h.name);
      const guess = closest(opts.host, names);
      throw new LinkdestError(`--host: no backup host "${opts.host}" in ${inv.file}${guess ? ` (did you mean "${guess}"?)` : ''}; hosts: ${names.join(', ') || '(none)'}`, { step: 'inventory', exitCode: EXIT.usage });
    }
    const one = settings[spec.name] ?? {};
    return maskSecrets(opts.json ? `${JSON.stringify(one, null, 2)}\n` : stringify(one));
  }
  const hosts = selectHosts(inv.hosts, opts.limit);
  if (opts.json) {
    const doc = Object.fromEntries(hosts.map((h) => [h.name, { groups: h.groups, origin: h.origin, settings: settings[h.name] ?? {} }]));
    return maskSecrets(`${JSON.stringify(doc, null, 2)}\n`);
  }
  const blocks = hosts.map((h) => {
    const head = `# ${h.origin}${h.groups.length > 0 ? `, groups: ${h.groups.join(', ')}` : ''}`;
    return `${head}\n${stringify({ [h.name]: settings[h.name] ?? {} })}`;
  });
  return maskSecrets(blocks.length > 0 ? blocks.join('\n') : `# ${inv.file}: no backup hosts\n`);
}

export function register(program: Command): void {
  const inventory = program.command('inventory').description('look at the inventory as linkdest reads it');
  inventory
    .command('show')
    .description('print the merged settings of each backup host (like ansible-inventory --host)')
    .option('-i, --inventory <file>', 'inventory file: linkdest.yml or an Ansible inventory (INI or YAML)', './linkdest.yml')
    .option('--host <name>', 'only this host, its settings alone')
    .option('--limit <hosts>', 'only these hosts or groups (comma-separated)')
    .option('--json', 'print JSON instead of YAML')
    .action(async (flags: ShowOptions & { inventory: string }) => {
      const inv = await loadInventory(flags.inventory);
      process.stdout.write(showInventory(inv, flags));
    });
}
