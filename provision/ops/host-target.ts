/** One named host of the inventory, connected for the length of a command. */
import type { HostSpec } from '../../inventory/host-spec.ts';
import { loadInventory } from '../../inventory/load.ts';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import { openTransport } from '../transport/connect.ts';
import type { Transport } from '../transport/transport.ts';

export interface HostCommandOptions {
  inventory: string;
  debug?: boolean;
}

export async function findHost(inventory: string, name: string): Promise<HostSpec> {
  const { hosts } = await loadInventory(inventory);
  const spec = hosts.find((h) => h.name === name);
  if (!spec) {
    throw new LinkdestError(`unknown host "${name}" in ${inventory} (hosts: ${hosts.map((h) => h.name).join(', ') || 'none'})`, { step: 'inventory', exitCode: EXIT.usage });
  }
  return spec;
}

/** Connects to the host, runs `fn`, always closes the connection. */
export async function withHost<T>(opts: HostCommandOptions, name: string, fn: (t: Transport, spec: HostSpec) => Promise<T>): Promise<T> {
  const spec = await findHost(opts.inventory, name);
  const t = openTransport(spec, { debug: opts.debug ?? false });
  try {
    await t.connect();
    return await fn(t, spec);
  } finally {
    await t.close();
  }
}
