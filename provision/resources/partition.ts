/** One GPT partition spanning the disk, created with `parted -s` only on a blank (or confirmed) disk. */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import { PARTITION_NAME } from './disk-state.ts';
import type { DiskTarget } from './disk-target.ts';
import { waitForBlockDevice } from './wait-device.ts';

export class PartitionResource implements HostResource {
  readonly id: string;

  constructor(private readonly disk: DiskTarget) {
    this.id = `partition:${disk.spec.device}`;
  }

  get query() {
    return this.disk.query;
  }

  check(facts: Facts): Change[] {
    const v = this.disk.verdict(facts);
    if (v.state === 'blank') {
      return [{ resource: this.id, action: 'create', summary: `create a GPT partition table with one partition ${v.partition} on ${v.disk}` }];
    }
    if (v.state === 'pending') {
      return [{ resource: this.id, action: 'create', summary: `after ${v.after}: create a GPT partition table with one partition on ${v.disk} if it is blank (a disk holding data is refused then, as always)` }];
    }
    if (v.state === 'wipe') {
      return [{ resource: this.id, action: 'update', summary: `WIPE ${v.disk} (${v.found}) and create a GPT partition table with one partition ${v.partition}` }];
    }
    return [];
  }

  async apply(_changes: Change[], ctx: HostApplyContext): Promise<void> {
    const { verdict: v } = await this.disk.freshVerdict(ctx);
    if (v.state === 'adopt' || v.state === 'partitioned') return;
    if (v.state === 'pending') throw new LinkdestError(`${v.disk} has not appeared`, { host: ctx.host, step: 'partition' });
    if (v.state === 'wipe') {
      ctx.log(`wiping ${v.disk}: ${v.found}`);
      // Each partition's signatures before the table: a filesystem that started where the
      // new partition starts (1 MiB, as most do) would otherwise reappear inside it. -f: an
      // NTFS or exFAT boot sector leaves a "dos" table signature that wipefs skips on a
      // partition otherwise (the rule above has made sure nothing uses the disk).
      for (const device of v.erase) await mutate(ctx, ['wipefs', '-a', ...(device === v.disk ? [] : ['-f']), '--', device]);
    }
    await mutate(ctx, ['parted', '-s', '--', v.disk, 'mklabel', 'gpt', 'mkpart', PARTITION_NAME, '1MiB', '100%']);
    await waitForBlockDevice(ctx, v.partition, v.disk);
    // A partition the kernel did not know (so it could not be wiped above) may have left its
    // signature where the new one starts; the user confirmed erasing this disk.
    if (v.state === 'wipe') await this.eraseLeftovers(ctx, v.partition);
    ctx.disk.createdPartition = v.partition;
    await this.waitPartitioned(ctx, v.disk);
  }

  /**
   * wipefs on the partition just created. Where the old table had a partition at the same
   * start but another size, udev (or its stand-in) removes and re-adds it a moment after
   * parted: the node may answer ENXIO or be missing meanwhile, so failures are retried.
   */
  private async eraseLeftovers(ctx: HostApplyContext, partition: string, timeoutMs = 30_000): Promise<void> {
    const argv = ['wipefs', '-a', '-f', '--', partition];
    ctx.log(argv.join(' '));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await ctx.transport.run(argv, { mutating: true, allowFailure: true });
      if (r.code === 0) return;
      if (Date.now() > deadline) {
        const why = r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`;
        throw new LinkdestError(`cannot erase what the old layout left in the new partition ${partition}: ${why}`, { host: ctx.host, step: 'partition' });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Until udev (or its stand-in) has settled, the new partition may still be half visible. */
  private async waitPartitioned(ctx: HostApplyContext, disk: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const { verdict } = await this.disk.freshVerdict(ctx);
        if (verdict.state === 'partitioned') return;
        last = verdict.state;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) {
        throw new LinkdestError(`after partitioning, ${disk} does not show the expected single empty partition (${last})`, { host: ctx.host, step: 'partition' });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
