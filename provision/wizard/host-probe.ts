/**
 * What the wizard reads from the host before anything is decided: facts, candidate disks,
 * sizes of directories worth backing up, libvirt domains. Every command here only reads;
 * the host is not changed until the user confirms the plan.
 */
import type { Transport } from '../transport/transport.ts';
import { gatherFacts } from '../facts/gather.ts';
import { emptyQuery, type Facts } from '../facts/types.ts';
import { parseLsblk } from '../facts/parse-lsblk.ts';
import { classifyDisk, type DiskCandidate } from './disks.ts';
import { virshListing, type VmListing } from './virsh-list.ts';

export interface DirSize { path: string; bytes?: number }

export interface DiskQuery { label: string; marker: string; mountpoint: string }

/** The host as the wizard sees it; tests give a fixture implementation. */
export interface HostProbe {
  facts(): Promise<Facts>;
  disks(q: DiskQuery): Promise<DiskCandidate[]>;
  dirSizes(paths: readonly string[]): Promise<DirSize[]>;
  /** Libvirt domains at `uri` (the runtime's URI, qemu:///system unless the inventory says otherwise). */
  vms(uri: string): Promise<VmListing>;
}

/** Paths that exist on the host among `paths`, as a constant script with the paths as $@. */
const PRESENT_BLOCK = 'for d; do [ -b "$d" ] && printf "%s\\n" "$d"; done; exit 0';
const DIR_SIZES = 'for d; do if [ -d "$d" ]; then s=$(du -sxb -- "$d" 2>/dev/null | cut -f1); printf "%s\\t%s\\n" "$d" "${s:--}"; fi; done; exit 0';
/** Virtual and in-memory devices that are never backup disks. */
const NOT_A_DISK = /^(ram|zram|sr|fd|md|dm-|nbd)/;

export function transportProbe(t: Transport): HostProbe {
  let cached: Facts | undefined;
  const facts = async (): Promise<Facts> => (cached ??= await gatherFacts(t, emptyQuery()));
  return {
    facts,
    async disks(q) {
      const host = await facts();
      const ls = await t.run(['lsblk', '-J', '-b', '-d', '-o', 'NAME,PATH,TYPE,SIZE'], { allowFailure: true });
      const listed = ls.code === 0 ? parseLsblk(ls.stdout) : [];
      const wanted = listed.filter((d) => (d.type === 'disk' || d.type === 'loop') && d.size > 0 && !NOT_A_DISK.test(d.name)).map((d) => d.path);
      if (wanted.length === 0) return [];
      // lsblk reads /sys, which in a container also lists the machine's disks: keep those with a node here.
      const present = (await t.run(['sh', '-c', PRESENT_BLOCK, 'sh', ...wanted])).stdout.split('\n').filter(Boolean);
      const out: DiskCandidate[] = [];
      for (const device of present) {
        const f = await gatherFacts(t, { ...emptyQuery(), device, marker: { mountpoint: q.mountpoint, name: q.marker } });
        const c = f.disk && classifyDisk(f.disk, {
          ...q, mounts: host.mounts,
          ...(f.marker && { markerAtMountpoint: { ...(f.marker.mountedSource !== undefined && { source: f.marker.mountedSource }), exists: f.marker.exists } }),
        });
        if (c) out.push(c);
      }
      return out;
    },
    async dirSizes(paths) {
      const r = await t.run(['sh', '-c', DIR_SIZES, 'sh', ...paths], { timeoutMs: 120_000, allowFailure: true });
      return r.stdout.split('\n').filter(Boolean).map((line) => {
        const [path, size] = line.split('\t');
        const bytes = Number(size);
        return { path: path!, ...(Number.isFinite(bytes) && size !== '-' && { bytes }) };
      });
    },
    async vms(uri) {
      const have = await t.run(['sh', '-c', 'command -v virsh'], { allowFailure: true });
      if (have.code !== 0) return { kind: 'no-virsh' };
      return virshListing(await t.run(['env', 'LC_ALL=C', 'virsh', '-c', uri, 'list', '--all', '--name'], { allowFailure: true, timeoutMs: 30_000 }));
    },
  };
}

/** What was found, one line each: OS, init system, node and rsync. */
export function factsSummary(f: Facts): string[] {
  const node = f.node ? `node ${f.node.version}${Number(f.node.version.split('.')[0]) < 18 ? ' (too old: 18 or newer will be installed)' : ''}` : 'node: missing, will be installed';
  return [
    `system:  ${f.os.prettyName || f.os.id || 'unknown Linux'}${f.packageManager ? ` (packages: ${f.packageManager})` : ''}`,
    `init:    ${f.systemd ? 'systemd (a timer will start the backup)' : 'no systemd (cron will start the backup)'}`,
    `runtime: ${node}`,
    `rsync:   ${f.rsync ? f.rsync.version : 'missing, will be installed'}`,
  ];
}
