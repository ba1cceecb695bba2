/**
 * The plug-in trigger (`rotation.run_on_attach: true`): one oneshot service per enrolled
 * disk, wanted by that disk's device unit (`dev-disk-by\x2duuid-<uuid>.device`, the LUKS
 * container's UUID for an encrypted disk), so systemd starts it when udev reports the disk
 * and stops it (BindsTo) if the disk is pulled during the run. No udev RUN rule: those are
 * killed after a few seconds and must not run long jobs. The service runs
 * `run --on-attach ID`; the runtime decides from rotation.min_age whether a run is due.
 * With run_on_attach off, units left from before are disabled and removed.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import { applyFile, fileChange, type FileChangeData, type FileSpec } from './file.ts';
import { renderTemplate } from '../templates.ts';
import { pathUnitName } from '../systemd/escape.ts';
import { UNIT_DIR } from './mount-units.ts';
import { runtimeArgv } from './schedule.ts';

export interface AttachDisk {
  id: string;
  uuid: string;
  luks_uuid?: string;
}

export function attachUnitName(id: string): string {
  return `linkdest-attach-${id}.service`;
}

/** The device unit systemd creates for the disk's by-uuid link: what is there before any unlock. */
export function attachDeviceUnit(d: AttachDisk): string {
  return pathUnitName(`/dev/disk/by-uuid/${(d.luks_uuid ?? d.uuid).toLowerCase()}`, 'device');
}

export function renderAttachUnit(d: AttachDisk, facts: Facts): string {
  return renderTemplate('linkdest-attach.service', {
    diskId: d.id, deviceUnit: attachDeviceUnit(d), execStart: runtimeArgv(facts, ['run', '--on-attach', d.id]),
  });
}

/** Pure: the plan-time refusal for a trigger that cannot work on this host, or undefined. */
export function attachTriggerRefusal(host: string, facts: Pick<Facts, 'systemd'>): string | undefined {
  if (facts.systemd) return undefined;
  return `${host}: rotation.run_on_attach needs systemd (it starts the run from the disk's device unit), and this host does not run systemd; set run_on_attach: false (the nightly run still uses whichever disk is attached)`;
}

type Data = FileChangeData & { content?: string; unit: string; enable?: boolean; remove?: boolean };

export class AttachTriggerResource implements HostResource {
  readonly id = 'attach-trigger';
  readonly query;

  constructor(private readonly host: string, private readonly disks: AttachDisk[], private readonly enabled: boolean) {
    this.query = {
      files: disks.map((d) => ({ path: `${UNIT_DIR}/${attachUnitName(d.id)}` })),
      units: disks.map((d) => attachUnitName(d.id)),
    };
  }

  private spec(path: string): FileSpec {
    return { path, mode: 0o644, notify: ['daemon-reload'] };
  }

  check(facts: Facts): Change[] {
    const changes: Change[] = [];
    if (!this.enabled) {
      for (const d of this.disks) {
        const unit = attachUnitName(d.id);
        const path = `${UNIT_DIR}/${unit}`;
        if (!facts.files[path]?.exists) continue;
        changes.push({
          resource: this.id, action: 'delete', summary: `remove ${path} (rotation.run_on_attach is off)`, notify: ['daemon-reload'],
          data: { kind: 'file', path, writeContent: false, unit, remove: true } satisfies Data,
        });
      }
      return changes;
    }
    const refusal = attachTriggerRefusal(this.host, facts);
    if (refusal) throw new LinkdestError(refusal, { host: this.host, step: 'attach-trigger' });
    for (const d of this.disks) {
      const unit = attachUnitName(d.id);
      const path = `${UNIT_DIR}/${unit}`;
      const content = renderAttachUnit(d, facts);
      const c = fileChange(this.id, facts, this.spec(path), content);
      if (c) changes.push({ ...c, data: { ...(c.data as FileChangeData), content, unit } satisfies Data });
      const state = facts.units[unit]?.enabled ?? 'not-found';
      if (state !== 'enabled') {
        changes.push({
          resource: this.id, action: 'run', summary: `enable ${unit} (a run when disk ${d.id} is attached)`,
          data: { kind: 'file', path, writeContent: false, unit, enable: true } satisfies Data,
        });
      }
    }
    return changes;
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const data = c.data as Data;
      if (data.remove) {
        await ctx.transport.run(['systemctl', 'disable', '--', data.unit], { allowFailure: true, mutating: true });
        await mutate(ctx, ['rm', '-f', '--', data.path]);
      } else if (data.content !== undefined) {
        await applyFile(ctx, this.spec(data.path), data, () => data.content!);
      }
    }
    // Enabling reads [Install] from the new file: reload first. Not --now: a run starts when the disk is attached.
    const enable = changes.map((c) => c.data as Data).filter((d) => d.enable);
    if (enable.length > 0) await ctx.flushHandlers();
    for (const d of enable) await mutate(ctx, ['systemctl', 'enable', '--', d.unit]);
  }
}
