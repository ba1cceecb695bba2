/**
 * Loop disks for hosts, and the udev stand-in: containers have no udev and this kernel no
 * partition-table parser, so after a disk changes the test bed tells the kernel about its
 * partitions (partx), creates the partition nodes inside the host with the machine's
 * major:minor, and keeps /dev/disk/by-{uuid,label,partuuid,partlabel} in step.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, readlink, stat, symlink, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { run } from './run.ts';
import type { StateDir } from './state.ts';
import { parsePartxShow, planPartitions, type PartitionGeometry } from './partition-plan.ts';
import { desiredLinks, parseBlkidExport, type ProbedNode } from './udev-links.ts';

export interface TestDisk {
  /** /dev/loopN, the same path on the machine and inside the host. */
  device: string;
  /** The sparse backing file on the machine. */
  file: string;
  /** Container leader whose /dev gets the nodes. */
  leaderPid: number;
}

const LINK_DIRS = ['by-uuid', 'by-label', 'by-partuuid', 'by-partlabel'] as const;
const DISK_GID = 6; // Debian's "disk" group
/** Even with no change seen, look again this often (a missed change heals). */
const RESYNC_MS = 2_000;

async function mknodIn(leaderPid: number, node: string, majMin: string): Promise<void> {
  const [major = '', minor = ''] = majMin.split(':');
  const path = `/proc/${leaderPid}/root/dev/${node}`;
  await run('mknod', ['-m', '660', path, 'b', major, minor]);
  await run('chgrp', [String(DISK_GID), path]);
}

export async function attachLoopDisk(
  state: StateDir, dir: string, leaderPid: number, sizeBytes: number, index: number,
): Promise<TestDisk> {
  const file = join(dir, `disk${index}.img`);
  const handle = await open(file, 'wx', 0o600);
  await handle.truncate(sizeBytes);
  await handle.close();
  state.record({ kind: 'loop', file });
  const device = (await run('losetup', ['--find', '--show', '--partscan', file])).stdout.trim();
  const node = basename(device);
  await mknodIn(leaderPid, node, (await readFile(`/sys/block/${node}/dev`, 'utf8')).trim());
  return { device, file, leaderPid };
}

/** Partition nodes the kernel knows for a disk: name -> major:minor. */
async function kernelPartitions(disk: string): Promise<Map<string, string>> {
  const parts = new Map<string, string>();
  const sys = `/sys/block/${disk}`;
  if (!existsSync(sys)) return parts;
  for (const entry of await readdir(sys)) {
    if (!new RegExp(`^${disk}p\\d+$`).test(entry)) continue;
    // A partition may vanish between readdir and read (sgdisk asks the kernel to re-read
    // the table): it is simply not there this time.
    const dev = await readFile(join(sys, entry, 'dev'), 'utf8').catch(() => undefined);
    if (dev !== undefined) parts.set(entry, dev.trim());
  }
  return parts;
}

async function kernelGeometry(disk: string): Promise<PartitionGeometry[]> {
  const out: PartitionGeometry[] = [];
  for (const part of (await kernelPartitions(disk)).keys()) {
    const read = async (f: string) => Number((await readFile(`/sys/block/${disk}/${part}/${f}`, 'utf8')).trim());
    out.push({ nr: Number(part.slice(disk.length + 1)), start: await read('start'), sectors: await read('size') });
  }
  return out;
}

/** Make the kernel's partitions match the table on disk, touching only what differs. */
async function updateKernelPartitions(device: string): Promise<void> {
  const shown = await run('partx', ['--show', '--noheadings', '-o', 'NR,START,SECTORS', device], { allowFail: true });
  const onDisk = shown.code === 0 ? parsePartxShow(shown.stdout) : [];
  const plan = planPartitions(onDisk, await kernelGeometry(basename(device)));
  for (const nr of plan.remove) await run('partx', ['-d', '--nr', String(nr), device], { allowFail: true });
  for (const nr of plan.add) await run('partx', ['-a', '--nr', String(nr), device], { allowFail: true });
}

async function nodeMajMin(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    return `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((Math.floor(st.rdev / 4096) & 0xfff00))}`;
  } catch {
    return undefined;
  }
}

/** One sync at a time per disk: the watcher and a test's own call would race on nodes and links (EEXIST). */
const syncing = new Map<string, Promise<void>>();

export function syncPartitions(leaderPid: number, disk: TestDisk): Promise<void> {
  const previous = syncing.get(disk.device) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => syncPartitionsNow(leaderPid, disk));
  syncing.set(disk.device, next);
  void next.catch(() => {}).then(() => {
    if (syncing.get(disk.device) === next) syncing.delete(disk.device);
  });
  return next;
}

async function syncPartitionsNow(leaderPid: number, disk: TestDisk): Promise<void> {
  const name = basename(disk.device);
  await updateKernelPartitions(disk.device);
  const parts = await kernelPartitions(name);
  const devDir = `/proc/${leaderPid}/root/dev`;
  for (const entry of await readdir(devDir)) {
    if (!entry.startsWith(`${name}p`)) continue;
    const want = parts.get(entry);
    if (!want || (await nodeMajMin(join(devDir, entry))) !== want) await unlink(join(devDir, entry));
  }
  for (const [part, majMin] of parts) {
    if (!existsSync(join(devDir, part))) await mknodIn(leaderPid, part, majMin);
  }
  const probed: ProbedNode[] = [];
  for (const node of [name, ...parts.keys()]) {
    // Low-level probe: no cache, and partition entries show even without a filesystem.
    const res = await run('blkid', ['-p', '-o', 'export', `/dev/${node}`], { allowFail: true });
    probed.push({ node, props: parseBlkidExport(res.stdout) });
  }
  const ours = new Set([name, ...parts.keys()]);
  const wanted = desiredLinks(probed);
  for (const dir of LINK_DIRS) {
    const linkDir = join(devDir, 'disk', dir);
    await mkdir(linkDir, { recursive: true });
    for (const entry of await readdir(linkDir)) {
      const target = await readlink(join(linkDir, entry)).catch(() => '');
      if (!ours.has(basename(target))) continue;
      if (!wanted.some((l) => l.dir === dir && l.name === entry && l.target === target)) {
        await unlink(join(linkDir, entry));
      }
    }
  }
  for (const link of wanted) {
    const path = join(devDir, 'disk', link.dir, link.name);
    if ((await readlink(path).catch(() => undefined)) === link.target) continue;
    await unlink(path).catch(() => {});
    await symlink(link.target, path);
  }
}

/**
 * The disk pulled out, as the host sees it: its nodes and /dev/disk/by-* links go, as udev
 * removes them. The loop device itself stays attached on the machine, so its number is
 * never handed to another test's disk while this host still knows the node (a detached
 * loop's number is reused at once on a busy machine). Call after DiskWatch.remove.
 */
export async function unplugFromHost(leaderPid: number, disk: TestDisk): Promise<void> {
  await (syncing.get(disk.device) ?? Promise.resolve()).catch(() => {});
  const name = basename(disk.device);
  const devDir = `/proc/${leaderPid}/root/dev`;
  for (const dir of LINK_DIRS) {
    const linkDir = join(devDir, 'disk', dir);
    for (const entry of await readdir(linkDir).catch(() => [] as string[])) {
      const target = basename(await readlink(join(linkDir, entry)).catch(() => ''));
      if (target === name || target.startsWith(`${name}p`)) await unlink(join(linkDir, entry)).catch(() => {});
    }
  }
  for (const entry of await readdir(devDir)) {
    if (entry === name || entry.startsWith(`${name}p`)) await unlink(join(devDir, entry)).catch(() => {});
  }
}

/** The disk plugged in again: its node back inside the host, partitions and links synced. */
export async function plugIntoHost(leaderPid: number, disk: TestDisk): Promise<void> {
  const name = basename(disk.device);
  if (!existsSync(`/proc/${leaderPid}/root/dev/${name}`)) await mknodIn(leaderPid, name, (await readFile(`/sys/block/${name}/dev`, 'utf8')).trim());
  await syncPartitions(leaderPid, disk);
}

/**
 * Polls attached disks and syncs one once its backing file and the kernel's partition list
 * have changed and then held still for one interval (a table half written by parted is not
 * acted on), as udev reacts to change events. Code under test must therefore wait for a
 * node or link to appear (up to a second), exactly as with real udev.
 */
export class DiskWatch {
  private readonly synced = new Map<TestDisk, string>();
  private readonly previous = new Map<TestDisk, string>();
  private readonly syncedAt = new Map<TestDisk, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly intervalMs = 200) {}

  add(disk: TestDisk): void {
    this.synced.set(disk, '');
    if (!this.timer) {
      // A tick that fails (a device vanishing mid-read) is simply retried by the next one.
      this.timer = setInterval(() => { this.tick().catch(() => undefined); }, this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stop keeping this disk's nodes in step (it is being unplugged); resolves once no tick is running. */
  async remove(disk: TestDisk): Promise<void> {
    this.synced.delete(disk);
    this.previous.delete(disk);
    this.syncedAt.delete(disk);
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private async observe(disk: TestDisk): Promise<string | undefined> {
    const st = await stat(disk.file).catch(() => undefined);
    if (!st) return undefined;
    const found = await kernelPartitions(basename(disk.device)).catch(() => undefined);
    if (!found) return undefined;
    const parts = [...found.entries()].join(',');
    return `${st.mtimeMs}|${parts}`;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const [disk, last] of this.synced) {
        const now = await this.observe(disk);
        const settled = now !== undefined && now === this.previous.get(disk);
        if (now !== undefined) this.previous.set(disk, now);
        const stale = Date.now() - (this.syncedAt.get(disk) ?? 0) > RESYNC_MS;
        if (!settled || (now === last && !stale) || !this.synced.has(disk)) continue;
        await syncPartitions(disk.leaderPid, disk).catch(() => {});
        // Recorded as before the sync: what the sync itself changed is looked at again next
        // time, so a table read at a bad moment is corrected rather than trusted.
        this.synced.set(disk, now);
        this.syncedAt.set(disk, Date.now());
      }
    } finally {
      this.busy = false;
    }
  }
}
