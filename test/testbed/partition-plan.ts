/**
 * Which partitions to tell the kernel about after a disk changed. `partx -u` deletes and
 * re-adds every partition (new minor numbers), which pulls a device from under a running
 * mkfs or mount; only partitions that appeared, vanished or moved are touched here.
 */
export interface PartitionGeometry {
  nr: number;
  /** Both in 512-byte sectors, as partx and /sys/block report them. */
  start: number;
  sectors: number;
}

export interface PartitionPlan {
  remove: number[];
  add: number[];
}

export function planPartitions(onDisk: PartitionGeometry[], inKernel: PartitionGeometry[]): PartitionPlan {
  const same = (a: PartitionGeometry, b: PartitionGeometry) => a.start === b.start && a.sectors === b.sectors;
  const remove = inKernel
    .filter((k) => !onDisk.some((d) => d.nr === k.nr && same(d, k)))
    .map((k) => k.nr);
  const add = onDisk
    .filter((d) => !inKernel.some((k) => k.nr === d.nr && same(d, k)))
    .map((d) => d.nr);
  return { remove: remove.sort((a, b) => a - b), add: add.sort((a, b) => a - b) };
}

/** `partx --show --noheadings -o NR,START,SECTORS` output (columns aligned by spaces). */
export function parsePartxShow(text: string): PartitionGeometry[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3)
    .map(([nr, start, sectors]) => ({ nr: Number(nr), start: Number(start), sectors: Number(sectors) }))
    .filter((p) => Number.isFinite(p.nr) && Number.isFinite(p.start) && Number.isFinite(p.sectors));
}
