/**
 * A cgroup per container. With --keep-unit and no systemd on the machine, nspawn puts every
 * container into "<its own cgroup>/payload"; started from one process they would all share
 * one tree, and one host's systemd would remove or kill another host's service cgroups.
 * Starting each nspawn in its own cgroup keeps the hosts apart.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateDir } from './state.ts';

/** Hierarchies systemd tracks units in: cgroup2 alone, or v1 name=systemd plus unified. */
export function cgroupRoots(): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.procs')) return ['/sys/fs/cgroup'];
  return ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((r) => existsSync(join(r, 'cgroup.procs')));
}

export async function makeHostCgroups(state: StateDir, machine: string): Promise<string[]> {
  const paths: string[] = [];
  for (const root of cgroupRoots()) {
    const path = join(root, 'linkdest-testbed', machine);
    state.record({ kind: 'cgroup', path });
    await mkdir(path, { recursive: true });
    paths.push(path);
  }
  return paths;
}

/**
 * rmdir a cgroup and everything the container's systemd made below it, deepest first.
 * Processes of a killed pid namespace leave their cgroups a moment after init is gone,
 * so EBUSY is retried for a few seconds.
 */
export async function removeCgroupTree(path: string, until = Date.now() + 5_000): Promise<void> {
  if (!existsSync(path)) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeCgroupTree(join(path, entry.name), until);
  }
  for (;;) {
    try {
      await rmdir(path);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * sh wrapper that moves itself into the given cgroups, then execs the command: argv is
 * `[...cgroupPaths, '--', command, ...args]`.
 */
export const ENTER_CGROUPS_SCRIPT =
  'while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 97; shift; done; shift; exec "$@"';
