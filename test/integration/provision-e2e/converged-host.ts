/**
 * The set-up most end-to-end suites share: one test bed host with a loop disk, the files the
 * inventory names put on it, the inventory written as a user would, and the real
 * `linkdest apply --yes` run to convergence. A set-up that fails stops its host and removes
 * its work dir before failing, so no suite leaves a container behind.
 */
import { expect } from 'vitest';
import { startHosts, type StartOptions, type TestDisk, type TestHost, type Testbed } from '../../testbed/index.ts';
import { Workdir, runCli } from './bed.ts';

export interface ConvergedHost {
  bed: Testbed;
  host: TestHost;
  disk: TestDisk;
  work: Workdir;
  /** The inventory file apply converged. */
  inv: string;
  /** The host's entry in it, for suites that write variants of it. */
  settings: Record<string, unknown>;
}

export interface ConvergeOptions {
  /** Names the work dir (`linkdest-e2e-TAG-...`). */
  tag: string;
  /** The host's inventory entry, given the host and its new disk. */
  settings: (host: TestHost, disk: TestDisk, work: Workdir) => Record<string, unknown>;
  /** What must exist on the host (or in the work dir) before apply: sources, keys, secrets. */
  prepare?: (host: TestHost, work: Workdir) => Promise<void>;
  init?: StartOptions['init'];
  /** Default 128 MiB. */
  diskBytes?: number;
}

export async function convergedHost(o: ConvergeOptions): Promise<ConvergedHost> {
  const work = await Workdir.create(o.tag);
  let bed: Testbed | undefined;
  try {
    bed = await startHosts(1, o.init ? { init: o.init } : {});
    const host = bed.hosts[0]!;
    const disk = await host.attachDisk(o.diskBytes ?? 128 * 1024 * 1024);
    await o.prepare?.(host, work);
    const settings = o.settings(host, disk, work);
    const inv = await work.inventory({ hosts: { [host.name]: settings } });
    const r = await runCli(['apply', '--yes', '-i', inv], { timeoutMs: 300_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    return { bed, host, disk, work, inv, settings };
  } catch (e) {
    await bed?.stop();
    await work.remove();
    throw e;
  }
}
