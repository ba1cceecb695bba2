/**
 * One host: an overlay of the cached image (upper layer per host, thrown away), the files
 * that make it this host (hostname, machine-id, its own ssh host key, root's authorized key),
 * and systemd-nspawn booting it inside the host's network namespace and its own cgroup.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { openSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ENTER_CGROUPS_SCRIPT, makeHostCgroups } from './cgroup.ts';
import { run } from './run.ts';
import { processStart, type StateDir } from './state.ts';

export type HostInit = 'systemd' | 'sshd-only';

export interface ContainerSpec {
  machine: string;
  hostname: string;
  rootfs: string;
  dir: string;
  netns: string;
  init: HostInit;
  binds: string[];
  hostKeyFile: string;
  authorizedKey: string;
  etcHosts: string;
}

export interface Container {
  nspawnPid: number;
  leaderPid: number;
  root: string;
  consoleLog: string;
}

async function mountOverlay(state: StateDir, rootfs: string, dir: string): Promise<string> {
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const merged = join(dir, 'root');
  for (const d of [upper, work, merged]) await mkdir(d, { recursive: true });
  state.record({ kind: 'mount', path: merged });
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs},upperdir=${upper},workdir=${work}`, merged]);
  return merged;
}

async function personalize(root: string, spec: ContainerSpec): Promise<void> {
  await writeFile(join(root, 'etc/hostname'), `${spec.hostname}\n`);
  await writeFile(join(root, 'etc/hosts'), spec.etcHosts);
  await writeFile(join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
  const key = join(root, 'etc/ssh/ssh_host_ed25519_key');
  await writeFile(key, await readFile(spec.hostKeyFile), { mode: 0o600 });
  await chmod(key, 0o600);
  await writeFile(`${key}.pub`, await readFile(`${spec.hostKeyFile}.pub`));
  await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'root/.ssh/authorized_keys'), `${spec.authorizedKey.trim()}\n`, { mode: 0o600 });
}

function nspawnArgs(spec: ContainerSpec, root: string): string[] {
  const args = [
    '--quiet', '-D', root, '-M', spec.machine, '--hostname', spec.hostname,
    '--register=no', '--keep-unit', '--console=pipe',
    `--network-namespace-path=/run/netns/${spec.netns}`,
    ...spec.binds.map((b) => `--bind=${b}`),
  ];
  if (spec.init === 'systemd') return ['-b', ...args];
  // sshd as the only service, under nspawn's stub init so zombies are reaped.
  return [...args, '--as-pid2', '/bin/sh', '-c', 'mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e'];
}

/** The container's init: the child of nspawn that is pid 1 in its own pid namespace. */
async function findLeader(nspawnPid: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const children = (await readFile(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8')).trim().split(/\s+/);
      for (const child of children.filter(Boolean)) {
        const status = await readFile(`/proc/${child}/status`, 'utf8');
        if (/^NSpid:\s+\d+\s+1$/m.test(status)) return Number(child);
      }
    } catch {
      if (!existsSync(`/proc/${nspawnPid}`)) break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`testbed: systemd-nspawn ${nspawnPid} started no container`);
}

export async function startContainer(state: StateDir, spec: ContainerSpec): Promise<Container> {
  const root = await mountOverlay(state, spec.rootfs, spec.dir);
  await personalize(root, spec);
  const consoleLog = join(spec.dir, 'console.log');
  const fd = openSync(consoleLog, 'a');
  const cgroups = await makeHostCgroups(state, spec.machine);
  const child = spawn('sh', ['-c', ENTER_CGROUPS_SCRIPT, 'sh', ...cgroups, '--', 'systemd-nspawn', ...nspawnArgs(spec, root)], {
    detached: true, stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.on('error', () => {});
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('testbed: could not start systemd-nspawn');
  state.record({ kind: 'process', pid, start: processStart(pid) ?? '', what: `nspawn ${spec.machine}`, signal: 'SIGTERM' });
  let leaderPid: number;
  try {
    leaderPid = await findLeader(pid, 20_000);
  } catch (err) {
    const log = await readFile(consoleLog, 'utf8').catch(() => '');
    throw new Error(`${(err as Error).message}: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  }
  state.record({ kind: 'process', pid: leaderPid, start: processStart(leaderPid) ?? '', what: `init ${spec.machine}`, signal: 'SIGKILL' });
  return { nspawnPid: pid, leaderPid, root, consoleLog };
}

const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Run argv inside the container's namespaces, as root, with a clean environment. */
export function execIn(leaderPid: number, argv: string[], input?: string) {
  return run('nsenter', [
    '-t', String(leaderPid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '-C', '--',
    'env', '-i', `PATH=${CONTAINER_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', 'TERM=dumb', ...argv,
  ], { allowFail: true, input });
}
