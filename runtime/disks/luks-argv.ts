/**
 * Every cryptsetup command line linkdest runs, in one place (the enrolment on the control
 * side imports these too). The key never travels in argv: cryptsetup reads it from the
 * root-only key file (`--key-file`), and the recovery passphrase from stdin. Names and
 * paths here are not secrets: they may be logged and shown in plans.
 */

/** Where an enrolled disk's key lives on its host: a root-only file in a 0700 directory. */
export const KEY_DIR = '/etc/linkdest/keys';

/** Disk ids are `[A-Za-z0-9_-]{1,16}` (inventory schema); anything else never names a file here. */
const DISK_ID = /^[A-Za-z0-9_-]{1,16}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function checkId(id: string): string {
  if (!DISK_ID.test(id)) throw new Error(`disk id ${JSON.stringify(id)} is not [A-Za-z0-9_-]{1,16}`);
  return id;
}

export function keyFilePath(id: string, dir = KEY_DIR): string {
  return `${dir}/${checkId(id)}.key`;
}

/** The device-mapper name of an open disk: /dev/mapper/linkdest-<id>. */
export function mapperName(id: string): string {
  return `linkdest-${checkId(id)}`;
}

export function mapperPath(name: string): string {
  return `/dev/mapper/${name}`;
}

/** The LUKS container by its own UUID (udev's link), never by /dev/sdX. */
export function luksDevicePath(luksUuid: string): string {
  if (!UUID.test(luksUuid)) throw new Error(`LUKS UUID ${JSON.stringify(luksUuid)} is not a UUID`);
  return `/dev/disk/by-uuid/${luksUuid.toLowerCase()}`;
}

/**
 * LUKS2 with the key file in slot 0. The key is 512 random bits, so a slow key derivation
 * adds nothing but seconds at every open: PBKDF2 at cryptsetup's minimum for this slot, as
 * systemd-cryptenroll does for its high-entropy tokens. The passphrase slot keeps argon2id.
 */
export function luksFormatArgv(device: string, keyFile: string): string[] {
  return [
    'cryptsetup', 'luksFormat', '--batch-mode', '--type', 'luks2', '--key-file', keyFile,
    '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', device,
  ];
}

/** Adds the recovery passphrase (read from stdin up to the newline, like a typed one) as a second slot. */
export function addRecoveryArgv(device: string, keyFile: string): string[] {
  return ['cryptsetup', 'luksAddKey', '--batch-mode', '--key-file', keyFile, '--pbkdf', 'argon2id', device];
}

export function luksUuidArgv(device: string): string[] {
  return ['cryptsetup', 'luksUUID', device];
}

/** Opens the container; `device` is luksDevicePath(uuid) at run time. */
export function openArgv(device: string, keyFile: string, name: string): string[] {
  return ['cryptsetup', 'open', '--type', 'luks2', '--key-file', keyFile, device, name];
}

export function closeArgv(name: string): string[] {
  return ['cryptsetup', 'close', name];
}

/** Which device-mapper device backs an open name (`cryptsetup status`), for "is it ours". */
export function statusArgv(name: string): string[] {
  return ['cryptsetup', 'status', name];
}

/** `cryptsetup status` prints `  device:  /dev/vdb1`; undefined when it does not. */
export function parseStatusDevice(stdout: string): string | undefined {
  const m = /^\s*device:\s+(\S+)\s*$/m.exec(stdout);
  return m?.[1];
}
