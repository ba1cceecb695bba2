/**
 * The test bed's network: a bridge in the root namespace holding the .1 address of the bed's
 * /24, and per host a network namespace joined to it by a veth pair. Every name is recorded
 * in the state dir before it is created.
 */
import { gatewayAddress, hostAddress } from './subnet.ts';
import { run } from './run.ts';
import type { StateDir } from './state.ts';

export function bridgeName(id: string): string {
  return `ldb${id}`;
}

export async function createBridge(state: StateDir, y: number): Promise<string> {
  const name = bridgeName(state.id);
  state.record({ kind: 'link', name });
  await run('ip', ['link', 'add', name, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${gatewayAddress(y)}/24`, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
  return name;
}

export interface HostNetwork {
  netns: string;
  address: string;
}

export async function createHostNetwork(state: StateDir, y: number, index: number): Promise<HostNetwork> {
  const netns = `ld${state.id}h${index}`;
  const veth = `ldv${state.id}h${index}`;
  const address = hostAddress(y, index);
  state.record({ kind: 'netns', name: netns });
  await run('ip', ['netns', 'add', netns]);
  state.record({ kind: 'link', name: veth });
  await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await run('ip', ['link', 'set', veth, 'master', bridgeName(state.id), 'up']);
  await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', netns, 'route', 'add', 'default', 'via', gatewayAddress(y)]);
  return { netns, address };
}
