/**
 * TestHost: what a test sees of one booted host: its address, the SSH settings for it
 * (shaped like inventory/host-spec.ts SshSpec), a way to run commands inside, and disks.
 */
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { SshSpec } from '../../inventory/host-spec.ts';
import { execIn, type Container, type HostInit } from './container.ts';
import { attachLoopDisk, plugIntoHost, syncPartitions, unplugFromHost, type DiskWatch, type TestDisk } from './disks.ts';
import type { RunResult } from './run.ts';
import type { StateDir } from './state.ts';

export interface TestHostSsh extends SshSpec {
  host: string;
  port: 22;
  user: 'root';
  identity: string;
  known_hosts: string;
}

export class TestHost {
  readonly disks: TestDisk[] = [];

  constructor(
    readonly name: string,
    readonly address: string,
    readonly ssh: TestHostSsh,
    readonly init: HostInit,
    private readonly container: Container,
    private readonly state: StateDir,
    private readonly dir: string,
    private readonly watch: DiskWatch,
  ) {}

  get leaderPid(): number {
    return this.container.leaderPid;
  }

  /** The host's root directory as seen from the machine (the overlay mount). */
  get root(): string {
    return this.container.root;
  }

  /** Run argv inside the host as root; never throws on a non-zero exit. */
  exec(argv: string[], opts: { input?: string } = {}): Promise<RunResult> {
    return execIn(this.container.leaderPid, argv, opts.input);
  }

  /** Like exec, but a non-zero exit is an error naming the host and command. */
  async check(argv: string[], opts: { input?: string } = {}): Promise<RunResult> {
    const res = await this.exec(argv, opts);
    if (res.code !== 0) {
      throw new Error(`testbed ${this.name}: ${argv.join(' ')} exited ${res.code}: ${res.stderr.trim()}`);
    }
    return res;
  }

  /** A sparse file on a loop device, its node present inside this host (and kept in sync). */
  async attachDisk(sizeBytes: number): Promise<TestDisk> {
    const disk = await attachLoopDisk(this.state, this.dir, this.container.leaderPid, sizeBytes, this.disks.length);
    this.disks.push(disk);
    this.watch.add(disk);
    return disk;
  }

  /** The disk pulled out: its nodes and links vanish from the host (the loop stays attached on the machine). */
  async unplugDisk(disk: TestDisk): Promise<void> {
    await this.watch.remove(disk);
    await unplugFromHost(this.container.leaderPid, disk);
  }

  /** The disk plugged in again: nodes, partitions and links back, and kept in step. */
  async plugDisk(disk: TestDisk): Promise<void> {
    await plugIntoHost(this.container.leaderPid, disk);
    this.watch.add(disk);
  }

  /** What udev would do after a partition table or filesystem change; also done by a watcher. */
  syncPartitions(disk: TestDisk): Promise<void> {
    return syncPartitions(this.container.leaderPid, disk);
  }

  async consoleLog(): Promise<string> {
    return readFile(this.container.consoleLog, 'utf8').catch(() => '');
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    if (this.init === 'systemd') await this.waitSystemd(until);
    while (!(await portOpen(this.address, 22))) {
      if (Date.now() > until) throw new Error(`testbed ${this.name}: sshd not listening on ${this.address}:22`);
      await sleep(100);
    }
  }

  private async waitSystemd(until: number): Promise<void> {
    let state = '';
    while (Date.now() < until) {
      state = (await this.exec(['systemctl', 'is-system-running'])).stdout.trim();
      if (state === 'running') return;
      if (state === 'degraded') {
        const failed = await this.exec(['systemctl', '--failed', '--plain', '--no-legend']);
        throw new Error(`testbed ${this.name}: boot degraded, failed units: ${failed.stdout.trim()}`);
      }
      await sleep(150);
    }
    const tail = (await this.consoleLog()).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`testbed ${this.name}: not running after boot (state "${state}"): ${tail}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: 1000 });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => { sock.destroy(); resolve(false); });
  });
}
