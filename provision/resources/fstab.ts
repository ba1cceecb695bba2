/**
 * The fstab way of mounting the backup filesystem: one line `UUID=... MOUNTPOINT FSTYPE
 * noatime,nofail 0 2` (plus _netdev for iSCSI). An existing line for the same mount point
 * is replaced in place; every other line of the file is kept byte for byte.
 */
import type { Change } from './resource.ts';
import type { Facts, MountEntry } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import { renderTemplate } from '../templates.ts';
import { parseFstab } from '../facts/parse-mounts.ts';
import type { DiskTarget } from './disk-target.ts';
import { NEW_UUID, plannedUuid, uuidAtApply } from './mount-units.ts';

export const FSTAB = '/etc/fstab';

export interface FstabSpec {
  mountpoint: string;
  fstype: string;
  netdev: boolean;
}

export function fstabOptions(spec: FstabSpec): string[] {
  return ['noatime', 'nofail', ...(spec.netdev ? ['_netdev'] : [])];
}

export function fstabLine(spec: FstabSpec, uuid: string): string {
  return renderTemplate('fstab-line', { what: `UUID=${uuid}`, where: spec.mountpoint, fstype: spec.fstype, options: fstabOptions(spec).join(',') }).trimEnd();
}

function matches(e: MountEntry, spec: FstabSpec, uuid: string): boolean {
  const want = fstabOptions(spec);
  return e.source === `UUID=${uuid}` && e.fstype === spec.fstype && e.options.length === want.length && want.every((o) => e.options.includes(o));
}

/** The file with our line in place of every line for the mount point (or appended). */
export function withFstabLine(text: string, spec: FstabSpec, line: string): string {
  const ours = new Set(parseFstab(text).filter((e) => e.target === spec.mountpoint).map((e) => e.line!));
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let placed = false;
  lines.forEach((l, i) => {
    if (!ours.has(i)) out.push(l);
    else if (!placed) {
      out.push(line);
      placed = true;
    }
  });
  if (!placed) out.push(line);
  return `${out.join('\n')}\n`;
}

export class FstabResource implements HostResource {
  readonly id: string;
  readonly query = { files: [{ path: FSTAB }] };

  constructor(private readonly spec: FstabSpec, private readonly disk: DiskTarget) {
    this.id = `fstab:${spec.mountpoint}`;
  }

  check(facts: Facts): Change[] {
    const uuid = plannedUuid(this.disk, facts);
    const mine = facts.fstab.filter((e) => e.target === this.spec.mountpoint);
    if (uuid !== undefined && mine.length === 1 && matches(mine[0]!, this.spec, uuid)) return [];
    const before = facts.files[FSTAB]?.content ?? '';
    const after = withFstabLine(before, this.spec, fstabLine(this.spec, uuid ?? NEW_UUID));
    return [{
      resource: this.id,
      action: mine.length > 0 ? 'update' : 'create',
      summary: `${mine.length > 0 ? 'update' : 'add'} the ${FSTAB} line for ${this.spec.mountpoint}`,
      diff: { path: FSTAB, before, after },
      notify: facts.systemd ? ['daemon-reload'] : [],
      data: { uuid },
    }];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    const planned = (changes[0]?.data as { uuid?: string } | undefined)?.uuid;
    const line = fstabLine(this.spec, uuidAtApply(ctx, planned, 'fstab'));
    const current = (await ctx.transport.getFile(FSTAB))?.toString('utf8') ?? '';
    const next = withFstabLine(current, this.spec, line);
    if (next === current) return;
    if (current !== '') await mutate(ctx, ['cp', '-p', '--', FSTAB, `${FSTAB}.linkdest-backup`]);
    ctx.log(`write ${FSTAB}`);
    await ctx.transport.putFile(FSTAB, next, { mode: 0o644, owner: 'root', group: 'root' });
  }
}
