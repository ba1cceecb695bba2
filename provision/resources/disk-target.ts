/**
 * The backup disk as the partition, filesystem, mount and marker resources share it: the
 * verdict of the safety rule for the facts of this plan, and a fresh look at the disk at
 * apply time (the partition created a moment ago, the uuid mkfs just wrote).
 */
import type { Facts } from '../facts/types.ts';
import { gatherFacts } from '../facts/gather.ts';
import { assessDisk, type DiskVerdict } from './disk-state.ts';
import type { HostApplyContext } from './host-resource.ts';

export interface DiskTargetSpec {
  device: string;
  fstype: 'ext4' | 'xfs' | 'btrfs';
  label: string;
  marker: string;
  mountpoint: string;
  /** Paths of managed files (mount units) whose content may name the filesystem uuid. */
  recordFiles: string[];
  formatConfirm?: string;
  /** Mount units name /dev/disk/by-uuid/UUID, so apply waits for that link after mkfs. */
  byUuidLink?: boolean;
  /** The device appears only after this (the iSCSI login in the same plan). */
  appearsAfter?: string;
}

/** Filesystem uuids our mount units (What=/dev/disk/by-uuid/U) or fstab line (UUID=U) name. */
export function recordedUuids(facts: Facts, spec: DiskTargetSpec): string[] {
  const out: string[] = [];
  for (const path of spec.recordFiles) {
    const m = /^What=\/dev\/disk\/by-uuid\/(\S+)$/m.exec(facts.files[path]?.content ?? '');
    if (m) out.push(m[1]!);
  }
  for (const e of facts.fstab) {
    if (e.target === spec.mountpoint && e.source.startsWith('UUID=')) out.push(e.source.slice(5));
  }
  return out;
}

export class DiskTarget {
  private readonly verdicts = new WeakMap<Facts, DiskVerdict>();

  constructor(readonly spec: DiskTargetSpec) {}

  get query() {
    return {
      device: this.spec.device,
      marker: { mountpoint: this.spec.mountpoint, name: this.spec.marker },
      files: this.spec.recordFiles.map((path) => ({ path })),
    };
  }

  /** At plan time: with the confirmation given to planHost. */
  verdict(facts: Facts): DiskVerdict {
    let v = this.verdicts.get(facts);
    if (v === undefined) {
      v = this.assess(facts, this.spec.formatConfirm);
      this.verdicts.set(facts, v);
    }
    return v;
  }

  /** Never defaults to the plan's confirmation: apply must be confirmed by its own caller. */
  private assess(facts: Facts, formatConfirm: string | undefined, atApply = false, createdPartition?: string): DiskVerdict {
    const { formatConfirm: _planned, appearsAfter, ...spec } = this.spec;
    return assessDisk(facts, {
      ...spec, recordedUuids: recordedUuids(facts, this.spec),
      ...(formatConfirm !== undefined ? { formatConfirm } : {}),
      ...(createdPartition !== undefined ? { createdPartition } : {}),
      // At apply time the login has run: a device still missing is an error, not pending.
      ...(appearsAfter !== undefined && !atApply ? { appearsAfter } : {}),
    });
  }

  /** The disk as it is now (one small gather run). */
  freshFacts(ctx: HostApplyContext): Promise<Facts> {
    return gatherFacts(ctx.transport, { files: this.query.files, units: [], device: this.spec.device, marker: this.query.marker });
  }

  /** Looks at the disk again right before touching it; the confirmation is the apply's own. */
  async freshVerdict(ctx: HostApplyContext): Promise<{ facts: Facts; verdict: DiskVerdict }> {
    const facts = await this.freshFacts(ctx);
    return { facts, verdict: this.assess(facts, ctx.formatConfirm, true, ctx.disk.createdPartition) };
  }
}
