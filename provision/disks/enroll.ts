/**
 * `linkdest disk enroll HOST DEVICE`: prepare the disk attached now as a rotation disk
 * (docs/rotation.md). The disk safety rule is apply's own (resources/disk-state.ts, through
 * the same partition and filesystem resources): blank -> partition + mkfs, a linkdest
 * filesystem -> adopted with its snapshots, anything else refused without --format-confirm.
 * Then the marker with the disk id, then linkdest.yml (text edit), then the host's config.
 * The inventory is written only once the disk is ready, so it never names a disk that is not.
 */
import { readFile, stat } from 'node:fs/promises';
import { DISK_ID } from '../../inventory/fields.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { rotationMarkerContent, parseMarker } from '../../runtime/disks/marker-content.ts';
import type { HostSpec } from '../../inventory/host-spec.ts';
import type { Transport } from '../transport/transport.ts';
import { gatherFacts } from '../facts/gather.ts';
import { mergeQueries } from '../facts/types.ts';
import { DiskTarget } from '../resources/disk-target.ts';
import { PartitionResource } from '../resources/partition.ts';
import { FilesystemResource } from '../resources/filesystem.ts';
import { mutate, type HostApplyContext, type HostResource } from '../resources/host-resource.ts';
import { writeAtomic } from '../wizard/write-files.ts';
import { addRotationDisk } from './inventory-disks.ts';
import { nextDiskId } from './next-id.ts';
import { writeHostConfig } from './host-config.ts';
import { closeEncrypted, discardKey, prepareEncryptedFilesystem } from './enroll-encrypted.ts';

export interface EnrollOptions {
  inventory: string;
  id?: string;
  formatConfirm?: string;
  /** LUKS2 (provision/disks/enroll-encrypted.ts): key file on the host, recovery passphrase returned once. */
  encrypt?: boolean;
  /** Say what would be done (format or adopt, marker, inventory, config) and change nothing. */
  dryRun?: boolean;
}

/** Where enrolment mounts the new filesystem for a moment to write its marker. */
export const ENROLL_MOUNT = '/run/linkdest-enroll';

export function rotationDisksOf(spec: HostSpec): { id: string; uuid: string }[] {
  return spec.disk?.target.kind === 'rotation' ? spec.disk.target.disks : [];
}

function refuse(host: string, message: string, exitCode = 1): LinkdestError {
  return new LinkdestError(message, { host, step: 'enroll', exitCode });
}

/** Partition + filesystem as apply would, or adoption; the filesystem's device and uuid. */
async function prepareFilesystem(t: Transport, spec: HostSpec, device: string, o: EnrollOptions, log: (l: string) => void): Promise<{ fsDevice: string; uuid: string; adopted: boolean } | undefined> {
  const target = new DiskTarget({
    device, fstype: spec.disk?.filesystem ?? 'ext4', label: spec.disk?.label ?? 'linkdest', marker: spec.marker,
    mountpoint: spec.mountpoint, recordFiles: [], ...(o.formatConfirm !== undefined && { formatConfirm: o.formatConfirm }),
  });
  const resources: HostResource[] = [new PartitionResource(target), new FilesystemResource(target)];
  const facts = await gatherFacts(t, mergeQueries(resources.map((r) => r.query)));
  let verdict;
  try {
    verdict = target.verdict(facts);
  } catch (e) {
    // The safety rule's hint names apply; here the confirmation goes to this command.
    if (e instanceof LinkdestError) throw refuse(spec.name, e.message.replace(/linkdest apply --format-confirm/g, `linkdest disk enroll ${spec.name} ${device} --format-confirm`));
    throw e;
  }
  if (verdict.state === 'adopt') {
    log(`${verdict.fsDevice}: a linkdest filesystem (uuid ${verdict.uuid}), ${o.dryRun ? 'would be adopted' : 'adopted'} with its snapshots`);
    return { fsDevice: verdict.fsDevice, uuid: verdict.uuid, adopted: true };
  }
  if (o.dryRun) {
    for (const r of resources) for (const c of r.check(facts)) log(`would ${c.summary}`);
    return undefined;
  }
  const ctx: HostApplyContext = {
    transport: t, host: spec.name, disk: {}, flushHandlers: async () => {}, log,
    ...(o.formatConfirm !== undefined && { formatConfirm: o.formatConfirm }),
  };
  for (const r of resources) {
    const changes = r.check(facts);
    for (const c of changes) log(c.summary);
    if (changes.length > 0) await r.apply(changes, ctx);
  }
  if (ctx.disk.fsDevice === undefined || ctx.disk.uuid === undefined) throw refuse(spec.name, `${device}: the new filesystem did not appear`);
  return { fsDevice: ctx.disk.fsDevice, uuid: ctx.disk.uuid.toLowerCase(), adopted: false };
}

/** Mounts the filesystem for a moment, writes the marker naming the disk, closes the root (0700). */
async function writeMarker(t: Transport, spec: HostSpec, fsDevice: string, fstype: string, id: string, log: (l: string) => void): Promise<string | undefined> {
  const ctx = { transport: t, log };
  await mutate(ctx, ['mkdir', '-p', '--', ENROLL_MOUNT]);
  await mutate(ctx, ['mount', '-t', fstype, fsDevice, ENROLL_MOUNT], { timeoutMs: 120_000 });
  try {
    const path = `${ENROLL_MOUNT}/${spec.marker}`;
    const before = parseMarker((await t.getFile(path))?.toString('utf8') ?? '').diskId;
    if (before !== undefined && before !== id) {
      throw refuse(spec.name, `${fsDevice} is marked as disk ${before}, not ${id}: enrol it with --id ${before} (or retire ${before} first)`);
    }
    await t.putFile(path, rotationMarkerContent(spec.name, id), { mode: 0o644, owner: 'root', group: 'root' });
    const group = spec.runtime.backup_group;
    if (group !== undefined) await mutate(ctx, ['chgrp', '--', group, ENROLL_MOUNT]);
    await mutate(ctx, ['chmod', group === undefined ? '0700' : '0750', '--', ENROLL_MOUNT]);
    return before;
  } finally {
    await t.run(['umount', ENROLL_MOUNT], { mutating: true, allowFailure: true });
    await t.run(['rmdir', '--', ENROLL_MOUNT], { mutating: true, allowFailure: true });
  }
}

export async function enrollDisk(t: Transport, spec: HostSpec, device: string, o: EnrollOptions, log: (l: string) => void): Promise<{ id: string; uuid: string; luksUuid?: string; recoveryPassphrase?: string }> {
  if (spec.disk !== undefined && spec.disk.target.kind !== 'rotation') {
    throw refuse(spec.name, `the host has disk.${spec.disk.target.kind} in ${spec.origin}; remove it to use rotation (docs/rotation.md, moving a host to rotation)`, 2);
  }
  const enrolled = rotationDisksOf(spec);
  if (o.id !== undefined && !DISK_ID.test(o.id)) throw refuse(spec.name, `--id ${o.id}: expected 1 to 16 letters, digits, "_" or "-"`, 2);
  if (o.id !== undefined && enrolled.some((d) => d.id === o.id)) throw refuse(spec.name, `disk ${o.id} is already enrolled (linkdest disk list ${spec.name})`, 2);
  const id = o.id ?? nextDiskId(enrolled.map((d) => d.id));
  // --encrypt (issue 15b): LUKS2 + key file + recovery slot, the filesystem inside; left open for the marker.
  const encrypted = o.encrypt ? await prepareEncryptedFilesystem(t, spec, device, id, o.formatConfirm, log, o.dryRun === true) : undefined;
  const fs = o.encrypt ? encrypted : await prepareFilesystem(t, spec, device, o, log);
  if (fs === undefined || o.dryRun) {
    log(`would write the marker ${spec.marker} naming disk ${id}, record disk ${id} with ${fs ? `uuid ${fs.uuid}` : 'the new filesystem\'s uuid'} under hosts.${spec.name}.disk.rotation.disks in ${o.inventory}, and update the host's /etc/linkdest/linkdest.json`);
    return { id, uuid: fs?.uuid ?? '' };
  }
  try {
    const twin = enrolled.find((d) => d.uuid === fs.uuid);
    if (twin) throw refuse(spec.name, `${device} (uuid ${fs.uuid}) is already enrolled as disk ${twin.id}`);
    await writeMarker(t, spec, fs.fsDevice, spec.disk?.filesystem ?? 'ext4', id, log);
  } catch (e) {
    if (encrypted) await discardKey(t, id);
    throw e;
  } finally {
    if (encrypted) await closeEncrypted(t, id);
  }
  log(`marker ${spec.marker} written: disk ${id}`);
  const text = await readFile(o.inventory, 'utf8');
  const entry = { id, uuid: fs.uuid, ...(encrypted && { luks_uuid: encrypted.luksUuid }) };
  await writeAtomic(o.inventory, addRotationDisk(text, spec.name, entry, o.inventory), (await stat(o.inventory)).mode & 0o777);
  log(`${o.inventory}: disk ${id} (uuid ${fs.uuid}${encrypted ? `, LUKS ${encrypted.luksUuid}` : ''}) recorded under hosts.${spec.name}.disk.rotation.disks`);
  await writeHostConfig(t, o.inventory, spec.name, log);
  return { id, uuid: fs.uuid, ...(encrypted && { luksUuid: encrypted.luksUuid, recoveryPassphrase: encrypted.recoveryPassphrase }) };
}
