/**
 * The marker file that proves the right filesystem is mounted at the destination. It is
 * written only on the backup filesystem itself: apply mounts it if needed, checks that
 * the mount point really shows that filesystem (not the empty directory below it), writes,
 * and leaves the mount as it found it. Without `disk:` in the inventory the user mounts the
 * disk: the marker then goes only on a filesystem mounted at the mount point that is not
 * the one holding / (markerPlaceProblem).
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts, MarkerFact } from '../facts/types.ts';
import { gatherFacts } from '../facts/gather.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import type { DiskTarget } from './disk-target.ts';

export type MarkerMount = { kind: 'systemd'; unit: string } | { kind: 'fstab' } | { kind: 'none' };

export interface MarkerSpec {
  mountpoint: string;
  name: string;
  mount: MarkerMount;
  /** Host name written into the marker, for people who look at the disk. */
  host: string;
  /** backup_group: the new filesystem's root becomes 0750 with it; unset: 0700 (as DirectoryResource). */
  group?: string;
}

export function markerContent(spec: MarkerSpec): string {
  return `linkdest backup filesystem\nhost: ${spec.host.replace(/[\r\n]/g, ' ')}\n`;
}

/**
 * Why a marker may not be written at the mount point when linkdest did not make the
 * filesystem (no `disk:`), or undefined when it may: something other than the filesystem
 * holding / must be mounted exactly there. Otherwise the marker would prove nothing: it
 * would sit on the root filesystem and the runtime's guard would pass without the disk.
 */
export function markerPlaceProblem(m: MarkerFact | undefined, strayMarker = false): string | undefined {
  if (m === undefined) return 'the mount point was not inspected';
  const onRoot = m.dev !== undefined && m.dev === m.rootDev;
  const stray = strayMarker ? `; the ${m.name} already there is on that filesystem, not on a backup disk: remove it` : '';
  if (m.mountedSource === undefined) {
    const below = onRoot ? 'the filesystem that holds /' : 'the filesystem below it';
    return `nothing is mounted at ${m.mountpoint}: a marker there would land on ${below}; mount the backup disk at ${m.mountpoint} first (or set disk: in the inventory)${stray}`;
  }
  if (onRoot) {
    return `${m.mountpoint} shows ${m.mountedSource}${m.mountedFstype ? ` (${m.mountedFstype})` : ''}, the filesystem that holds /; mount the backup disk at ${m.mountpoint} first`;
  }
  return undefined;
}

export class MarkerResource implements HostResource {
  readonly id: string;

  constructor(private readonly spec: MarkerSpec, private readonly disk: DiskTarget | undefined) {
    this.id = `marker:${spec.mountpoint}/${spec.name}`;
  }

  get query() {
    return this.disk?.query ?? { marker: { mountpoint: this.spec.mountpoint, name: this.spec.name }, files: [{ path: this.path }] };
  }

  private get path(): string {
    return `${this.spec.mountpoint === '/' ? '' : this.spec.mountpoint}/${this.spec.name}`;
  }

  check(facts: Facts): Change[] {
    if (this.disk === undefined) {
      const problem = markerPlaceProblem(facts.marker, facts.files[this.path]?.exists === true);
      if (problem !== undefined) throw new LinkdestError(`${problem}; marker not written`, { step: 'marker' });
      if (facts.marker?.exists) return [];
    } else {
      const v = this.disk.verdict(facts);
      if (v.state === 'adopt') {
        const onMounted = facts.marker?.mountedSource === v.fsDevice && facts.marker.exists;
        if (onMounted || facts.disk?.rootNames[v.fsDevice]?.includes(this.spec.name)) return [];
      }
    }
    return [{ resource: this.id, action: 'create', summary: `create marker ${this.path} on the backup filesystem` }];
  }

  async apply(_changes: Change[], ctx: HostApplyContext): Promise<void> {
    if (this.disk === undefined) {
      // Looked at again right before writing: the disk may have gone since the plan.
      const problem = markerPlaceProblem(await this.look(ctx));
      if (problem !== undefined) throw new LinkdestError(`${problem}; marker not written`, { host: ctx.host, step: 'marker' });
      ctx.log(`write ${this.path}`);
      await ctx.transport.putFile(this.path, markerContent(this.spec), { mode: 0o644 });
      return;
    }
    await ctx.flushHandlers();
    const expected = ctx.disk.fsDevice ?? (await this.disk.freshVerdict(ctx)).verdict;
    const fsDevice = typeof expected === 'string' ? expected : expected.state === 'adopt' ? expected.fsDevice : undefined;
    const mountedHere = (await this.look(ctx))?.mountedSource === undefined;
    if (mountedHere) await this.mount(ctx);
    try {
      const seen = await this.look(ctx);
      const source = seen?.mountedSource;
      if (source === undefined || source !== fsDevice) {
        throw new LinkdestError(
          `${this.spec.mountpoint} shows ${source ?? 'no mounted filesystem'}, not the backup filesystem ${fsDevice ?? '(unknown)'}; marker not written`,
          { host: ctx.host, step: 'marker' },
        );
      }
      if (!seen?.exists) {
        ctx.log(`write ${this.path}`);
        await ctx.transport.putFile(this.path, markerContent(this.spec), { mode: 0o644, owner: 'root', group: 'root' });
        // mkfs made the root 0755: close it now, not only at the first nightly run.
        if (this.spec.group !== undefined) await mutate(ctx, ['chgrp', '--', this.spec.group, this.spec.mountpoint]);
        await mutate(ctx, ['chmod', this.spec.group === undefined ? '0700' : '0750', '--', this.spec.mountpoint]);
      }
    } finally {
      if (mountedHere) await this.unmount(ctx);
    }
  }

  /** The real (non-autofs) filesystem at the mount point, as a resolved device, and the marker on it. */
  private async look(ctx: HostApplyContext): Promise<Facts['marker']> {
    const f = await gatherFacts(ctx.transport, { files: [], units: [], marker: { mountpoint: this.spec.mountpoint, name: this.spec.name } });
    return f.marker;
  }

  private async mount(ctx: HostApplyContext): Promise<void> {
    const m = this.spec.mount;
    if (m.kind === 'systemd') await mutate(ctx, ['systemctl', 'start', '--', m.unit], { timeoutMs: 120_000 });
    else if (m.kind === 'fstab') await mutate(ctx, ['mount', '--', this.spec.mountpoint], { timeoutMs: 120_000 });
    else throw new LinkdestError(`${this.spec.mountpoint} is not mounted`, { host: ctx.host, step: 'marker' });
  }

  private async unmount(ctx: HostApplyContext): Promise<void> {
    const m = this.spec.mount;
    if (m.kind === 'systemd') await mutate(ctx, ['systemctl', 'stop', '--', m.unit]);
    else await mutate(ctx, ['umount', '--', this.spec.mountpoint]);
  }
}
