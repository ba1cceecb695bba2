/**
 * What a backup host needs, from its HostSpec alone: the ordered resources and the runtime
 * config it will run with. Facts decide details later (systemd or cron, node's path), so
 * the same recipe plans any host. Order matters: files first, then one daemon-reload, then
 * what must start; the marker only once the filesystem can be mounted.
 */
import { LinkdestError } from '../runtime/errors.ts';
import { parseRuntimeConfig, type RuntimeConfig } from '../runtime/config.ts';
import type { HostSpec, IscsiDiskSpec, RotationDiskSpec, UsbDiskSpec } from '../inventory/host-spec.ts';
import { rotationKeyFile } from '../inventory/build.ts';
import { isNormalizedPath, pathUnitName } from './systemd/escape.ts';
import type { HostResource } from './resources/host-resource.ts';
import { PackagesResource } from './resources/packages.ts';
import { AttachTriggerResource } from './resources/attach-trigger.ts';
import { EncryptionSupportResource } from './resources/encryption-support.ts';
import { DiskTarget } from './resources/disk-target.ts';
import { PartitionResource } from './resources/partition.ts';
import { FilesystemResource } from './resources/filesystem.ts';
import { DirectoryResource } from './resources/directory.ts';
import { MountUnitsResource, mountUnitPaths } from './resources/mount-units.ts';
import { FstabResource } from './resources/fstab.ts';
import { FileResource } from './resources/file.ts';
import { SecretFileResource } from './resources/secret-file.ts';
import { CONFIG_PATH, RUNTIME_PATH, ScheduleResource, VERIFY_JOB } from './resources/schedule.ts';
import { UnitStateResource } from './resources/unit-state.ts';
import { RetiredScheduleResource } from './resources/retired-schedule.ts';
import { MarkerResource, type MarkerMount } from './resources/marker.ts';
import { maskSecrets } from './render/mask.ts';
import { HOST_SMTP_PASSWORD_FILE, HOST_WEBHOOK_URL_FILE } from '../inventory/build.ts';
import { iscsiResourcesFor } from './iscsi/wiring.ts';
import { byPathLink, portalsOf } from './iscsi/spec.ts';

/** Where the SMTP password lands on the host; the inventory already names it in the runtime config. */
export const SMTP_PASSWORD_PATH = HOST_SMTP_PASSWORD_FILE;
/** Where the webhook URL (it holds the token) lands on the host. */
export const WEBHOOK_URL_PATH = HOST_WEBHOOK_URL_FILE;
const LABEL_MAX: Record<string, number> = { ext4: 16, xfs: 12, btrfs: 255 };

export interface RecipeInputs {
  /** Content of dist/linkdest-runtime.mjs. */
  runtimeBundle: Buffer;
  formatConfirm?: string;
}

export interface Recipe {
  resources: HostResource[];
  config: RuntimeConfig;
}

/** The disk as a device path: the inventory's for USB, the by-path link of the LUN for iSCSI. */
export function diskDevicePath(target: UsbDiskSpec | IscsiDiskSpec): string {
  if (target.kind === 'usb') return target.device;
  return byPathLink(portalsOf(target)[0]!, target.target, target.lun);
}

function validate(spec: HostSpec): void {
  const bad = (field: string, why: string): never => {
    throw new LinkdestError(`${spec.origin}: ${field}: ${why}`, { host: spec.name, step: 'recipe' });
  };
  const lineSafe = (field: string, v: string): void => {
    if (/[\r\n\0]/.test(v)) bad(field, 'must be one line');
  };
  if (!isNormalizedPath(spec.mountpoint) || spec.mountpoint === '/') bad('mountpoint', `${JSON.stringify(spec.mountpoint)} must be an absolute path like /mnt/Backup (no //, . or .., no trailing /)`);
  lineSafe('mountpoint', spec.mountpoint);
  if (spec.mountpoint.endsWith('\\')) bad('mountpoint', 'must not end with a backslash');
  if (spec.marker === '' || spec.marker.includes('/') || spec.marker === '.' || spec.marker === '..') bad('marker', 'must be a file name');
  lineSafe('marker', spec.marker);
  lineSafe('schedule', spec.schedule);
  if (spec.verify_schedule !== undefined) lineSafe('verify.schedule', spec.verify_schedule);
  if (spec.schedule.trim() === '') bad('schedule', 'must not be empty');
  if (spec.disk) {
    const { label, filesystem, target } = spec.disk;
    lineSafe('disk.label', label);
    if (label === '' || Buffer.byteLength(label) > LABEL_MAX[filesystem]!) bad('disk.label', `${filesystem} labels are 1 to ${LABEL_MAX[filesystem]} bytes`);
    if (target.kind === 'usb' && !target.device.startsWith('/dev/')) bad('disk.target.device', 'must be a path under /dev (prefer /dev/disk/by-id/...)');
    if (target.kind === 'usb') lineSafe('disk.target.device', target.device);
    if (target.kind === 'iscsi' && target.portals.length === 0) bad('disk.target.portals', 'at least one portal is needed');
  }
}

/** The rotation part of the runtime config: the enrolled disks, mounted by uuid (docs/rotation.md). */
export function rotationDestination(spec: HostSpec, r: RotationDiskSpec) {
  return {
    mount: { kind: 'uuid' as const, fstype: spec.disk!.filesystem, options: ['noatime'] },
    disks: r.disks.map((d) => ({ ...d, ...(d.luks_uuid !== undefined && { key_file: rotationKeyFile(d.id) }) })),
    rotation: { min_age_seconds: r.min_age, max_absence_seconds: r.max_absence, run_on_attach: r.run_on_attach },
  };
}

function destinationMount(spec: HostSpec): MarkerMount {
  if (!spec.disk) return { kind: 'none' };
  if (spec.mount === 'fstab') return { kind: 'fstab' };
  return { kind: 'systemd', unit: pathUnitName(spec.mountpoint, 'mount') };
}

export function runtimeConfigFor(spec: HostSpec): RuntimeConfig {
  const target = spec.disk?.target;
  const iscsi = target?.kind === 'iscsi'
    ? { iscsi: { portals: portalsOf(target), target: target.target, lun: target.lun } }
    : {};
  const mail = spec.runtime.report.mail;
  const withMail = mail && spec.smtp_password
    ? { ...spec.runtime.report, mail: { ...mail, smtp: { ...mail.smtp, password_file: SMTP_PASSWORD_PATH } } }
    : spec.runtime.report;
  const webhook = withMail.webhook;
  const report = webhook && spec.webhook_url ? { ...withMail, webhook: { ...webhook, url_file: WEBHOOK_URL_PATH } } : withMail;
  const rotation = target?.kind === 'rotation' ? rotationDestination(spec, target) : { mount: destinationMount(spec) };
  const config = { ...spec.runtime, report, destination: { path: spec.mountpoint, marker: spec.marker, ...rotation, ...iscsi } };
  try {
    return parseRuntimeConfig(config, `${spec.origin} (runtime config of ${spec.name})`);
  } catch (e) {
    if (e instanceof LinkdestError) throw new LinkdestError(e.message, { host: spec.name, step: 'recipe' });
    throw e;
  }
}

export function buildRecipe(spec: HostSpec, inputs: RecipeInputs): Recipe {
  validate(spec);
  const config = runtimeConfigFor(spec);
  // Rotation disks are prepared one by one by `linkdest disk enroll`, not by apply.
  const disk = spec.disk && spec.disk.target.kind !== 'rotation' && new DiskTarget({
    device: diskDevicePath(spec.disk.target),
    fstype: spec.disk.filesystem,
    label: spec.disk.label,
    marker: spec.marker,
    mountpoint: spec.mountpoint,
    recordFiles: mountUnitPaths(spec.mountpoint, spec.mount),
    byUuidLink: spec.mount !== 'fstab',
    ...(spec.disk.target.kind === 'iscsi' ? { appearsAfter: 'the iSCSI login' } : {}),
    ...(inputs.formatConfirm !== undefined ? { formatConfirm: inputs.formatConfirm } : {}),
  });
  const netdev = spec.disk?.target.kind === 'iscsi';
  const r: HostResource[] = [new PackagesResource({ install: spec.install_packages, ...(spec.disk ? { fstype: spec.disk.filesystem } : {}) })];
  if (spec.disk?.target.kind === 'rotation') {
    r.push(new EncryptionSupportResource(spec.name, spec.disk.target.disks.filter((d) => d.luks_uuid !== undefined).map((d) => d.id)));
  }
  // The LUN must be logged in (and its by-path link there) before it can be partitioned.
  r.push(...iscsiResourcesFor(spec));
  if (disk && spec.disk) {
    r.push(new PartitionResource(disk), new FilesystemResource(disk), new DirectoryResource(spec.mountpoint, { group: spec.runtime.backup_group }));
    if (spec.mount === 'fstab') r.push(new FstabResource({ mountpoint: spec.mountpoint, fstype: spec.disk.filesystem, netdev }, disk));
    else r.push(new MountUnitsResource({ kind: spec.mount, mountpoint: spec.mountpoint, fstype: spec.disk.filesystem, netdev }, disk));
  } else {
    r.push(new DirectoryResource(spec.mountpoint, { group: spec.runtime.backup_group }));
  }
  r.push(new FileResource({ path: RUNTIME_PATH, mode: 0o644, noDiff: true }, inputs.runtimeBundle));
  r.push(new FileResource({ path: CONFIG_PATH, mode: 0o600, mask: maskSecrets }, `${JSON.stringify(config, null, 2)}\n`));
  if (spec.smtp_password && config.report.mail) {
    r.push(new SecretFileResource(SMTP_PASSWORD_PATH, spec.smtp_password, `host ${spec.name}: smtp_password`));
  }
  if (spec.webhook_url && config.report.webhook) {
    r.push(new SecretFileResource(WEBHOOK_URL_PATH, spec.webhook_url, `host ${spec.name}: webhook url`));
  }
  r.push(new ScheduleResource({ schedule: spec.schedule, randomizedDelaySec: 120 }));
  if (spec.verify_schedule) r.push(new ScheduleResource({ schedule: spec.verify_schedule, randomizedDelaySec: 600 }, VERIFY_JOB));
  else r.push(new RetiredScheduleResource(VERIFY_JOB, 'verify is no longer in the inventory'));
  if (disk && spec.mount !== 'fstab') {
    r.push(new UnitStateResource(pathUnitName(spec.mountpoint, spec.mount === 'automount' ? 'automount' : 'mount')));
  }
  // A rotation disk's marker (with its id) is written at enrolment, on that disk only.
  if (spec.disk?.target.kind !== 'rotation') {
    r.push(new MarkerResource({ mountpoint: spec.mountpoint, name: spec.marker, mount: destinationMount(spec), host: spec.name, group: spec.runtime.backup_group }, disk || undefined));
  }
  r.push(new UnitStateResource('linkdest.timer'));
  if (spec.verify_schedule) r.push(new UnitStateResource('linkdest-verify.timer'));
  if (spec.disk?.target.kind === 'rotation') {
    r.push(new AttachTriggerResource(spec.name, spec.disk.target.disks, spec.disk.target.run_on_attach));
  }
  return { resources: r, config };
}
