/** The backup filesystem: mkfs (never -F) on the blank partition linkdest created, else adopted. */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import type { DiskTarget } from './disk-target.ts';
import { waitForBlockDevice } from './wait-device.ts';

export function mkfsArgv(fstype: 'ext4' | 'xfs' | 'btrfs', label: string, device: string): string[] {
  return [`mkfs.${fstype}`, '-q', '-L', label, device];
}

export class FilesystemResource implements HostResource {
  readonly id: string;

  constructor(private readonly disk: DiskTarget) {
    this.id = `filesystem:${disk.spec.device}`;
  }

  get query() {
    return this.disk.query;
  }

  check(facts: Facts): Change[] {
    const v = this.disk.verdict(facts);
    if (v.state === 'adopt') return [];
    const { fstype, label } = this.disk.spec;
    const on = v.state === 'pending' ? `the new partition of ${v.disk}` : v.partition;
    return [{ resource: this.id, action: 'create', summary: `create ${fstype} filesystem labelled ${label} on ${on}` }];
  }

  async apply(_changes: Change[], ctx: HostApplyContext): Promise<void> {
    const { facts, verdict: v } = await this.disk.freshVerdict(ctx);
    if (v.state === 'adopt') {
      ctx.disk.fsDevice = v.fsDevice;
      ctx.disk.uuid = v.uuid;
      return;
    }
    if (v.state !== 'partitioned') {
      throw new LinkdestError(`${v.disk} has no empty linkdest partition to format (state: ${v.state})`, { host: ctx.host, step: 'filesystem' });
    }
    const { fstype, label } = this.disk.spec;
    if (facts.commands[`mkfs.${fstype}`] === undefined) {
      throw new LinkdestError(`mkfs.${fstype} is not installed on the host`, { host: ctx.host, step: 'filesystem' });
    }
    await mutate(ctx, mkfsArgv(fstype, label, v.partition), { timeoutMs: 30 * 60_000 });
    const p = await this.probeUntil(ctx, v.partition);
    ctx.disk.fsDevice = v.partition;
    ctx.disk.uuid = p.UUID;
    // Mount units name /dev/disk/by-uuid/UUID: udev must have made the link before they start.
    if (this.disk.spec.byUuidLink) await waitForBlockDevice(ctx, `/dev/disk/by-uuid/${p.UUID}`);
  }

  /** The new filesystem's probe, polled while udev (or its stand-in) catches up. */
  private async probeUntil(ctx: HostApplyContext, partition: string, timeoutMs = 30_000): Promise<{ UUID: string }> {
    const { fstype } = this.disk.spec;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = (await this.disk.freshFacts(ctx)).disk?.probe[partition];
      if (p?.TYPE === fstype && p.UUID !== undefined) return { UUID: p.UUID };
      if (Date.now() > deadline) {
        throw new LinkdestError(`mkfs.${fstype} finished but ${partition} shows no ${fstype} filesystem`, { host: ctx.host, step: 'filesystem' });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
