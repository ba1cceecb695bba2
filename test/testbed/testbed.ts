/**
 * startHosts: n booted hosts on a private bridge, reachable over SSH with a key made for this
 * bed and a known_hosts file holding each host's own key. Everything made is recorded first
 * (state.ts) and undone by stop(), by the exit/signal hooks, or by the next start after a kill.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapDeadTestbeds } from './cleanup.ts';
import { startContainer, type HostInit } from './container.ts';
import { DiskWatch } from './disks.ts';
import { TestHost } from './host.ts';
import { ensureImage } from './image.ts';
import { withFileLock } from './lock.ts';
import { createBridge, createHostNetwork } from './network.ts';
import { run } from './run.ts';
import { listStateDirs, readOwner, StateDir, stateRoot } from './state.ts';
import { gatewayAddress, pickSubnet, routePrefixes } from './subnet.ts';
import { registerTeardown, teardown } from './teardown.ts';
import { machineHasAutofs } from './autofs.ts';

export interface StartOptions {
  /** 'sshd-only': no systemd, sshd is the container's only service (cron-style hosts). */
  init?: HostInit;
  /** Extra machine paths bound into every host (systemd-nspawn --bind=). */
  binds?: string[];
  /**
   * Bind /dev/autofs so automount units work; default on for systemd hosts. Only where the
   * machine's kernel has autofs (machineHasAutofs); `bed.autofs` says whether it was bound.
   */
  autofs?: boolean;
  /** Hosts booting at once; default 4 (two cores boot four comfortably). */
  concurrency?: number;
  bootTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Testbed {
  id: string;
  hosts: TestHost[];
  /** The bridge's address, reachable from every host (e.g. for an SMTP server). */
  gateway: string;
  /** /dev/autofs is bound into the hosts: automount units work in them. */
  autofs: boolean;
  /** Directory of this bed's keys, disks and logs (removed by stop). */
  dir: string;
  identity: string;
  knownHosts: string;
  /** /run/linkdest-testbed/<id>: owner and the list of everything this bed made. */
  stateDir: string;
  stop(): Promise<void>;
}

async function allocate(log: (line: string) => void): Promise<StateDir> {
  await mkdir(stateRoot(), { recursive: true, mode: 0o700 });
  return withFileLock(join(stateRoot(), '.lock'), async () => {
    await reapDeadTestbeds(log);
    const taken: number[] = [];
    for (const dir of await listStateDirs()) {
      const owner = await readOwner(dir);
      if (owner) taken.push(owner.subnet);
    }
    const routes = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
    const addrs = await run('ip', ['-4', '-o', 'addr', 'show']);
    const y = pickSubnet(taken, routePrefixes(`${routes.stdout}\n${addrs.stdout}`));
    let id = randomBytes(3).toString('hex');
    while (existsSync(join(stateRoot(), id))) id = randomBytes(3).toString('hex');
    return StateDir.create(id, y);
  });
}

async function inLimit<T>(items: number[], limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as number);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function startHosts(n: number, opts: StartOptions = {}): Promise<Testbed> {
  const log = opts.log ?? (() => {});
  const init = opts.init ?? 'systemd';
  const rootfs = await ensureImage(log);
  const state = await allocate(log);
  const y = (await readOwner(state.dir))?.subnet ?? 0;
  const watch = new DiskWatch();
  const unregister = registerTeardown(state.dir, () => watch.stop());
  try {
    const dir = await mkdtemp(join(tmpdir(), `linkdest-testbed-${state.id}-`));
    state.record({ kind: 'dir', path: dir });
    const identity = join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `linkdest-testbed-${state.id}`, '-f', identity]);
    const authorizedKey = await readFile(`${identity}.pub`, 'utf8');
    await createBridge(state, y);
    const indexes = Array.from({ length: n }, (_, i) => i + 1);
    const names = indexes.map((i) => `host${i}`);
    const nets = await inLimit(indexes, 8, (i) => createHostNetwork(state, y, i));
    const etcHosts = ['127.0.0.1 localhost', `${gatewayAddress(y)} testbed-gateway`,
      ...nets.map((net, k) => `${net.address} ${names[k]}`), ''].join('\n');
    const knownHosts = join(dir, 'known_hosts');
    const binds = [...(opts.binds ?? [])];
    const autofs = (opts.autofs ?? init === 'systemd') && machineHasAutofs();
    if (autofs) binds.push('/dev/autofs');
    const hosts = await inLimit(indexes, opts.concurrency ?? 4, async (i) => {
      const k = i - 1;
      const name = names[k] as string;
      const net = nets[k]!;
      const hostDir = join(dir, name);
      await mkdir(hostDir);
      const hostKeyFile = join(hostDir, 'ssh_host_ed25519_key');
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', hostKeyFile]);
      const machine = `ld${state.id}-${name}`;
      state.record({ kind: 'dir', path: `/run/systemd/nspawn/propagate/${machine}` });
      const container = await startContainer(state, {
        machine, hostname: name, rootfs, dir: hostDir, netns: net.netns, init, binds, hostKeyFile,
        authorizedKey, etcHosts,
      });
      const ssh = { host: net.address, port: 22 as const, user: 'root' as const, identity, known_hosts: knownHosts };
      const host = new TestHost(name, net.address, ssh, init, container, state, hostDir, watch);
      await host.waitReady(opts.bootTimeoutMs ?? 120_000);
      return host;
    });
    const lines = await Promise.all(hosts.map(async (h) => {
      const pub = (await readFile(join(dir, h.name, 'ssh_host_ed25519_key.pub'), 'utf8')).trim().split(' ');
      return `${h.address} ${pub[0]} ${pub[1]}`;
    }));
    await writeFile(knownHosts, `${lines.join('\n')}\n`);
    let stopped: Promise<void> | undefined;
    return {
      id: state.id, hosts, gateway: gatewayAddress(y), autofs, dir, identity, knownHosts, stateDir: state.dir,
      stop: () => (stopped ??= (async () => {
        unregister();
        await teardown(state.dir, () => watch.stop());
      })()),
    };
  } catch (err) {
    unregister();
    await teardown(state.dir, () => watch.stop());
    throw err;
  }
}
