/**
 * `linkdest discover iscsi PORTAL --via HOST`: what a NAS offers, seen from the backup
 * host that will use it (its network, its initiator name). Read-only on the host: no node
 * records are written, no session stays up. Exit 0 with targets listed, 1 on failure,
 * 2 on usage errors.
 */
import type { Command } from 'commander';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { parsePortal } from '../../inventory/iscsi.ts';
import { loadInventory, selectHosts } from '../../inventory/load.ts';
import type { SecretRef } from '../../inventory/host-spec.ts';
import { openTransport } from '../transport/connect.ts';
import { readSecret } from '../resources/secret-file.ts';
import { discoverIscsi } from '../iscsi/discover.ts';
import { discoveryJson, formatDiscovery } from '../iscsi/render-discovery.ts';

export interface DiscoverIscsiOptions {
  via: string;
  inventory: string;
  json?: boolean;
  iface?: string;
  chapUser?: string;
  chapPasswordFile?: string;
  chapPasswordEnv?: string;
}

const usage = (message: string): LinkdestError => new LinkdestError(message, { step: 'discover', exitCode: EXIT.usage });

function chapOf(opts: DiscoverIscsiOptions): { user: string; password: string } | undefined {
  const given = [opts.chapPasswordFile, opts.chapPasswordEnv].filter((x) => x !== undefined).length;
  if (opts.chapUser === undefined && given === 0) return undefined;
  if (opts.chapUser === undefined || given !== 1) {
    throw usage('CHAP needs --chap-user and exactly one of --chap-password-file or --chap-password-env');
  }
  const ref: SecretRef = opts.chapPasswordFile !== undefined ? { password_file: opts.chapPasswordFile } : { password_env: opts.chapPasswordEnv! };
  return { user: opts.chapUser, password: readSecret(ref, 'CHAP password') };
}

export async function runDiscoverIscsi(portalText: string, opts: DiscoverIscsiOptions, out: { write(s: string): unknown }): Promise<number> {
  const portal = parsePortal(portalText);
  if (typeof portal === 'string') throw usage(`portal "${portalText}": ${portal}`);
  const chap = chapOf(opts);
  const { hosts } = await loadInventory(opts.inventory);
  const selected = selectHosts(hosts, opts.via);
  if (selected.length !== 1) {
    throw usage(`--via ${opts.via} selects ${selected.length} hosts (${selected.map((h) => h.name).join(', ')}); name one host`);
  }
  const transport = openTransport(selected[0]!);
  try {
    await transport.connect();
    const result = await discoverIscsi(transport, portal, { ...(opts.iface ? { iface: opts.iface } : {}), ...(chap ? { chap } : {}) });
    out.write(opts.json ? discoveryJson(result) : formatDiscovery(result));
    return EXIT.ok;
  } finally {
    await transport.close();
  }
}

export function register(program: Command): void {
  const discover = program.command('discover').description('find what a storage server offers, seen from a backup host');
  discover
    .command('iscsi <portal>')
    .description('list the iSCSI targets, portals and LUNs (with sizes) a NAS offers to HOST')
    .requiredOption('--via <host>', 'inventory host to run the discovery from')
    .option('-i, --inventory <file>', 'inventory file', './linkdest.yml')
    .option('--json', 'print one JSON document instead of text')
    .option('--iface <name>', 'open-iscsi iface to discover through (default: the default iface)')
    .option('--chap-user <user>', 'CHAP user for listing LUNs of protected targets')
    .option('--chap-password-file <file>', 'file holding the CHAP password')
    .option('--chap-password-env <var>', 'environment variable holding the CHAP password')
    .action(async (portal: string, opts: DiscoverIscsiOptions) => {
      process.exitCode = await runDiscoverIscsi(portal, opts, process.stdout);
    });
}
