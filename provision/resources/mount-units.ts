/**
 * How the backup filesystem gets mounted: systemd `.mount` (+ `.automount`) units named
 * by systemd's path escaping, or one fstab line. The filesystem uuid comes from the facts
 * when the disk is adopted, else from the filesystem resource during the same apply.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import type { HostApplyContext, HostResource } from './host-resource.ts';
import { applyFile, fileChange, type FileChangeData, type FileSpec } from './file.ts';
import { renderTemplate } from '../templates.ts';
import { pathUnitName } from '../systemd/escape.ts';
import type { DiskTarget } from './disk-target.ts';

export const UNIT_DIR = '/etc/systemd/system';
export const NEW_UUID = '<uuid of the new filesystem>';

export interface MountSpec {
  kind: 'automount' | 'static';
  mountpoint: string;
  fstype: string;
  /** iSCSI: order the .mount (never the .automount) after the network and iscsid. */
  netdev: boolean;
}

export function mountUnitPaths(mountpoint: string, kind: 'automount' | 'static' | 'fstab'): string[] {
  if (kind === 'fstab') return [];
  const mount = `${UNIT_DIR}/${pathUnitName(mountpoint, 'mount')}`;
  return kind === 'automount' ? [mount, `${UNIT_DIR}/${pathUnitName(mountpoint, 'automount')}`] : [mount];
}

export function renderMountUnits(spec: MountSpec, uuid: string): { path: string; content: string }[] {
  const [mountPath, automountPath] = mountUnitPaths(spec.mountpoint, spec.kind);
  const options = ['noatime', ...(spec.netdev ? ['_netdev'] : [])].join(',');
  const out = [{
    path: mountPath!,
    content: renderTemplate('mount.mount', {
      what: `/dev/disk/by-uuid/${uuid}`, where: spec.mountpoint, fstype: spec.fstype, options, netdev: spec.netdev,
      wantedBy: spec.kind === 'static' ? 'multi-user.target' : '',
    }),
  }];
  if (automountPath) out.push({ path: automountPath, content: renderTemplate('automount.automount', { where: spec.mountpoint }) });
  return out;
}

/** uuid the units must name: known when the disk is adopted, undefined when mkfs is still to run. */
export function plannedUuid(disk: DiskTarget, facts: Facts): string | undefined {
  const v = disk.verdict(facts);
  return v.state === 'adopt' ? v.uuid : undefined;
}

export function uuidAtApply(ctx: HostApplyContext, planned: string | undefined, step: string): string {
  const uuid = ctx.disk.uuid ?? planned;
  if (uuid === undefined) throw new LinkdestError('the filesystem uuid is unknown (the filesystem step did not run)', { host: ctx.host, step });
  return uuid;
}

export class MountUnitsResource implements HostResource {
  readonly id: string;
  readonly query;

  constructor(private readonly spec: MountSpec, private readonly disk: DiskTarget) {
    this.id = `mount:${spec.mountpoint}`;
    this.query = { files: mountUnitPaths(spec.mountpoint, spec.kind).map((path) => ({ path })) };
  }

  private fileSpec(path: string): FileSpec {
    return { path, mode: 0o644, notify: ['daemon-reload'] };
  }

  check(facts: Facts): Change[] {
    if (!facts.systemd) {
      throw new LinkdestError(`${this.spec.kind} mounts need systemd, and this host does not run systemd; use mount: fstab`, { step: 'mount' });
    }
    const planned = plannedUuid(this.disk, facts);
    return renderMountUnits(this.spec, planned ?? NEW_UUID).flatMap(({ path, content }) => {
      const known = planned !== undefined || !content.includes(NEW_UUID);
      const c = fileChange(this.id, facts, this.fileSpec(path), known ? content : undefined, content);
      return c ? [{ ...c, data: { ...(c.data as FileChangeData), uuid: planned } }] : [];
    });
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const data = c.data as FileChangeData & { uuid?: string };
      const files = renderMountUnits(this.spec, uuidAtApply(ctx, data.uuid, 'mount'));
      const file = files.find((f) => f.path === data.path)!;
      await applyFile(ctx, this.fileSpec(file.path), data, () => file.content);
    }
  }
}
