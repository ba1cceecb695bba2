/**
 * The `--encrypt` half of `linkdest disk enroll`: the same safety rule as apply decides
 * whether the disk may be partitioned (blank, or erased with --format-confirm), then the
 * partition becomes a LUKS2 container (luks-format.ts), the filesystem goes inside it, and
 * the caller writes the marker through the open container and closes it (closeEncrypted).
 * An unencrypted linkdest disk is never silently re-formatted to be encrypted: adopting
 * keeps snapshots, encrypting would erase them, so that choice is the admin's.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { HostSpec } from '../../inventory/host-spec.ts';
import type { Transport } from '../transport/transport.ts';
import { gatherFacts } from '../facts/gather.ts';
import { DiskTarget } from '../resources/disk-target.ts';
import { PartitionResource } from '../resources/partition.ts';
import { mkfsArgv } from '../resources/filesystem.ts';
import { mutate, type HostApplyContext } from '../resources/host-resource.ts';
import { assertEncryptionPossible, closeEncrypted, formatEncrypted } from './luks-format.ts';
import { closeArgv, keyFilePath, mapperName, mapperPath } from '../../runtime/disks/luks-argv.ts';

export interface EncryptedFilesystem {
  /** /dev/mapper/linkdest-<id>, open until closeEncrypted. */
  fsDevice: string;
  uuid: string;
  luksUuid: string;
  recoveryPassphrase: string;
}

const refuse = (host: string, message: string) => new LinkdestError(message, { host, step: 'enroll' });

export async function prepareEncryptedFilesystem(
  t: Transport, spec: HostSpec, device: string, id: string, formatConfirm: string | undefined, log: (l: string) => void, dryRun = false,
): Promise<EncryptedFilesystem | undefined> {
  // Before the disk is touched: a host without dm-crypt gets one line and an untouched disk.
  await assertEncryptionPossible(t);
  const fstype = spec.disk?.filesystem ?? 'ext4';
  const target = new DiskTarget({
    device, fstype, label: spec.disk?.label ?? 'linkdest', marker: spec.marker, mountpoint: spec.mountpoint, recordFiles: [],
    ...(formatConfirm !== undefined && { formatConfirm }),
  });
  const partitionResource = new PartitionResource(target);
  const facts = await gatherFacts(t, { units: [], ...partitionResource.query });
  let verdict;
  try {
    verdict = target.verdict(facts);
  } catch (e) {
    if (e instanceof LinkdestError) throw refuse(spec.name, e.message.replace(/linkdest apply --format-confirm/g, `linkdest disk enroll ${spec.name} ${device} --encrypt --format-confirm`));
    throw e;
  }
  if (verdict.state === 'adopt') {
    throw refuse(spec.name, `${verdict.fsDevice} holds a linkdest filesystem (uuid ${verdict.uuid}) with its snapshots, and --encrypt would erase them: enrol it as it is (without --encrypt), or wipe it yourself (wipefs -a ${verdict.fsDevice}) to start over encrypted`);
  }
  if (verdict.state === 'pending') throw refuse(spec.name, `${device} has not appeared`);
  const label = spec.disk?.label ?? 'linkdest';
  if (dryRun) {
    for (const c of partitionResource.check(facts)) log(`would ${c.summary}`);
    log(`would LUKS2-format ${verdict.partition} with a new random key in ${keyFilePath(id)} and add a recovery passphrase slot (shown once), then create a ${fstype} filesystem labelled ${label} inside ${mapperPath(mapperName(id))}`);
    return undefined;
  }
  const ctx: HostApplyContext = {
    transport: t, host: spec.name, disk: {}, flushHandlers: async () => {}, log,
    ...(formatConfirm !== undefined && { formatConfirm }),
  };
  const changes = partitionResource.check(facts);
  for (const c of changes) log(c.summary);
  if (changes.length > 0) await partitionResource.apply(changes, ctx);
  const partition = ctx.disk.createdPartition ?? verdict.partition;

  const luks = await formatEncrypted(t, partition, id, log);
  try {
    if (facts.commands[`mkfs.${fstype}`] === undefined) throw refuse(spec.name, `mkfs.${fstype} is not installed on the host`);
    await mutate(ctx, mkfsArgv(fstype, label, luks.device), { timeoutMs: 30 * 60_000 });
    const uuid = (await t.run(['blkid', '-p', '-o', 'value', '-s', 'UUID', '--', luks.device])).stdout.trim().toLowerCase();
    if (uuid === '') throw refuse(spec.name, `mkfs.${fstype} finished but ${luks.device} shows no filesystem`);
    log(`${partition}: LUKS2 ${luks.luksUuid}, ${fstype} ${uuid} inside, key file ${luks.keyFile}`);
    return { fsDevice: luks.device, uuid, luksUuid: luks.luksUuid, recoveryPassphrase: luks.recoveryPassphrase };
  } catch (e) {
    // The disk holds nothing yet: no key file may outlive a disk that was never enrolled.
    await t.run(closeArgv(mapperName(id)), { allowFailure: true, mutating: true });
    await discardKey(t, id);
    throw e;
  }
}

/** After a failed enrolment: the disk holds nothing, so its key file must not stay to block a retry. */
export async function discardKey(t: Transport, id: string): Promise<void> {
  await t.run(['rm', '-f', '--', keyFilePath(id)], { allowFailure: true, mutating: true });
}

export { closeEncrypted };

/** What the admin sees once, at the end of an encrypted enrolment. */
export function recoveryNotice(host: string, id: string, passphrase: string): string {
  return [
    `Recovery passphrase of disk ${id} (${host}), shown only now; linkdest keeps no copy:`,
    '',
    `    ${passphrase}`,
    '',
    'Write it on paper or put it in a password manager, away from this host. With it the disk',
    'opens on any Linux machine without the key file (docs/rotation.md, "Encryption").',
  ].join('\n');
}
