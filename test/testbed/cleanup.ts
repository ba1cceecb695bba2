/**
 * Undoing what a state dir records: processes first (a running container pins its mounts and
 * devices), then cgroups, mounts, loop devices, links, namespaces and directories, each kind newest
 * first. Used by stop(), by the exit/signal hooks, and on start for runs whose owner died.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAlive, listStateDirs, readOwner, readResources, type Resource } from './state.ts';
import { removeCgroupTree } from './cgroup.ts';
import { run } from './run.ts';
import { removeTree } from './tree.ts';

const ORDER: Resource['kind'][] = ['process', 'cgroup', 'mount', 'loop', 'link', 'netns', 'dir'];

async function waitGone(pid: number, start: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid, start)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

async function stopProcess(r: Extract<Resource, { kind: 'process' }>): Promise<void> {
  if (!isAlive(r.pid, r.start)) return;
  // nspawn turns SIGTERM into a shutdown of the container; a container leader gets SIGKILL,
  // which ends its whole pid namespace at once (the hosts are throwaway).
  process.kill(r.pid, r.signal);
  if (await waitGone(r.pid, r.start, 10_000)) return;
  if (isAlive(r.pid, r.start)) process.kill(r.pid, 'SIGKILL');
  await waitGone(r.pid, r.start, 5_000);
}

async function undo(r: Resource): Promise<void> {
  switch (r.kind) {
    case 'process':
      return stopProcess(r);
    case 'cgroup':
      return removeCgroupTree(r.path);
    case 'mount':
      if ((await run('umount', [r.path], { allowFail: true })).code !== 0) {
        await run('umount', ['-l', r.path], { allowFail: true });
      }
      return;
    case 'loop': {
      // Found by backing file, so a device attached just before a kill is found too and a
      // reused loop number belonging to someone else never is.
      const res = await run('losetup', ['--list', '--noheadings', '-O', 'NAME,BACK-FILE'], { allowFail: true });
      for (const line of res.stdout.split('\n')) {
        const [device, ...file] = line.trim().split(/\s+/);
        if (device && file.join(' ') === r.file) await run('losetup', ['-d', device], { allowFail: true });
      }
      return;
    }
    case 'link':
      await run('ip', ['link', 'del', r.name], { allowFail: true });
      return;
    case 'netns':
      await run('ip', ['netns', 'del', r.name], { allowFail: true });
      return;
    case 'dir':
      if (existsSync(r.path)) await removeTree(r.path);
      return;
  }
}

/** Undo everything in `resources`; failures are collected, not thrown, so all steps run. */
export async function undoAll(resources: Resource[]): Promise<string[]> {
  const errors: string[] = [];
  for (const kind of ORDER) {
    const ofKind = resources.filter((r) => r.kind === kind).reverse();
    // Processes stop in parallel: each container's shutdown takes about a second.
    const steps = kind === 'process' ? [ofKind] : ofKind.map((r) => [r]);
    for (const group of steps) {
      const results = await Promise.allSettled(group.map(undo));
      for (const res of results) if (res.status === 'rejected') errors.push(String(res.reason));
    }
  }
  return errors;
}

export async function removeStateDir(dir: string): Promise<string[]> {
  const errors = await undoAll(readResources(dir));
  await rm(dir, { recursive: true, force: true });
  return errors;
}

/** Remove what test beds whose owning process is gone left behind. Call under the run lock. */
export async function reapDeadTestbeds(log: (line: string) => void = () => {}): Promise<string[]> {
  const reaped: string[] = [];
  for (const dir of await listStateDirs()) {
    const owner = await readOwner(dir);
    if (owner && isAlive(owner.pid, owner.start)) continue;
    log(`testbed: removing leftovers of a dead run in ${dir}`);
    await removeStateDir(dir);
    reaped.push(dir);
  }
  return reaped;
}
