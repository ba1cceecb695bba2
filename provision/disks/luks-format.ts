/**
 * Enrolment of an encrypted disk (`linkdest disk enroll --encrypt`), on the host over the
 * transport: LUKS2 on the partition, unlocked by a fresh 512-bit random key that is made on
 * the host and never leaves it (a root-only file under /etc/linkdest/keys, directory 0700),
 * plus a recovery passphrase in a second key slot, made here, sent over stdin, shown once
 * to the admin by the caller and kept nowhere. The container is left open for mkfs.
 *
 * The key file is written under a temporary name and gets its final name only once the
 * disk carries it: a failed enrolment leaves no key file that looks like a disk's key.
 */
import type { Transport } from '../transport/transport.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import {
  KEY_DIR, addRecoveryArgv, closeArgv, keyFilePath, luksFormatArgv, luksUuidArgv, mapperName, mapperPath, openArgv,
} from '../../runtime/disks/luks-argv.ts';
import { newRecoveryPassphrase } from './recovery-passphrase.ts';
import { DEVICE_MAPPER_TEST } from '../facts/gather-script.ts';

export interface EncryptionProbe {
  /** The kernel has device-mapper, loaded or loadable (DEVICE_MAPPER_TEST). */
  mapperControl: boolean;
  cryptsetup: boolean;
}

/** Prints what the host has. A constant script: no user value reaches it. */
export const PROBE_SCRIPT = `if ${DEVICE_MAPPER_TEST}; then echo mapper-control; fi
PATH="$PATH:/usr/sbin:/sbin"; command -v cryptsetup >/dev/null 2>&1 && echo cryptsetup
exit 0`;

export function parseEncryptionProbe(stdout: string): EncryptionProbe {
  const lines = new Set(stdout.split('\n').map((l) => l.trim()));
  return { mapperControl: lines.has('mapper-control'), cryptsetup: lines.has('cryptsetup') };
}

/** Pure: the one-line refusal for a host that cannot hold an encrypted disk, or undefined. */
export function encryptionRefusal(host: string, p: EncryptionProbe): string | undefined {
  if (!p.mapperControl) {
    return `${host} cannot use encrypted disks: its kernel has no device-mapper (not in /proc/misc, no dm_mod module; LUKS needs dm-crypt)`;
  }
  if (!p.cryptsetup) return `${host} cannot use encrypted disks: cryptsetup is not installed (Debian/Ubuntu: apt-get install cryptsetup)`;
  return undefined;
}

export async function probeEncryption(t: Transport): Promise<EncryptionProbe> {
  const r = await t.run(['sh', '-c', PROBE_SCRIPT], { allowFailure: true });
  return parseEncryptionProbe(r.stdout);
}

/**
 * $1 key directory, $2 final key path. Refuses when the final file exists (another disk's
 * key under that id); makes the directory 0700, writes 64 random bytes as hex text into a
 * 0600 temporary file there and prints its path. Hex keeps the key greppable text, so a
 * leak into a log or a file is detectable (test/vm checks it is nowhere else).
 */
export const NEW_KEY_SCRIPT = `set -eu
umask 077
if [ -e "$2" ]; then echo "$2 exists: a disk with this id is enrolled already (linkdest disk retire first)" >&2; exit 3; fi
mkdir -p -- "$1"
chown root:root -- "$1"
chmod 0700 -- "$1"
tmp=$(mktemp "$1/.new-key.XXXXXX")
od -An -v -tx1 -N64 /dev/urandom | tr -d ' \\n' > "$tmp"
[ "$(wc -c < "$tmp")" -eq 128 ] || { rm -f -- "$tmp"; echo "could not read 64 bytes from /dev/urandom" >&2; exit 1; }
chmod 0600 -- "$tmp"
printf '%s\\n' "$tmp"`;

/** $1 temporary key, $2 final key path: the key gets its name only once the disk carries it. */
export const KEEP_KEY_SCRIPT = 'set -eu; [ ! -e "$2" ] || { echo "$2 exists" >&2; exit 3; }; mv -- "$1" "$2"';

export interface EncryptedDisk {
  luksUuid: string;
  keyFile: string;
  /** /dev/mapper/linkdest-<id>: open, ready for mkfs. */
  device: string;
  /** Shown once to the admin; never written anywhere by linkdest. */
  recoveryPassphrase: string;
}

const fail = (host: string, message: string) => new LinkdestError(message, { host, step: 'encrypt' });

export interface LuksHeader {
  luksUuid: string;
  keyFile: string;
  recoveryPassphrase: string;
}

/**
 * Key file, LUKS2 header and both key slots, without opening the container (this part
 * needs no dm-crypt: tests run it where the kernel has none). `keyDir` moves the key
 * directory for those tests only.
 */
export async function writeLuksHeader(
  t: Transport, partition: string, id: string, opts: { keyDir?: string; log?: (line: string) => void } = {},
): Promise<LuksHeader> {
  const log = opts.log ?? (() => {});
  const keyDir = opts.keyDir ?? KEY_DIR;
  const keyFile = keyFilePath(id, keyDir);
  const made = await t.run(['sh', '-c', NEW_KEY_SCRIPT, 'sh', keyDir, keyFile], { allowFailure: true, mutating: true });
  if (made.code !== 0) throw fail(t.name, made.stderr.trim().split('\n').pop() || `cannot create ${keyFile}`);
  const tmpKey = made.stdout.trim();
  let kept = false;
  try {
    log(`cryptsetup luksFormat ${partition} (LUKS2, key file ${keyFile})`);
    await t.run(luksFormatArgv(partition, tmpKey), { mutating: true, timeoutMs: 120_000 });
    const recoveryPassphrase = newRecoveryPassphrase();
    log(`cryptsetup luksAddKey ${partition} (recovery passphrase, argon2id)`);
    await t.run(addRecoveryArgv(partition, tmpKey), { stdin: `${recoveryPassphrase}\n`, mutating: true, timeoutMs: 300_000 });
    const luksUuid = (await t.run(luksUuidArgv(partition))).stdout.trim();
    await t.run(['sh', '-c', KEEP_KEY_SCRIPT, 'sh', tmpKey, keyFile], { mutating: true });
    kept = true;
    return { luksUuid, keyFile, recoveryPassphrase };
  } finally {
    if (!kept) await t.run(['rm', '-f', '--', tmpKey], { allowFailure: true, mutating: true });
  }
}

/** Refuses (one line) on a host without device-mapper or cryptsetup. */
export async function assertEncryptionPossible(t: Transport): Promise<void> {
  const refusal = encryptionRefusal(t.name, await probeEncryption(t));
  if (refusal) throw fail(t.name, refusal);
}

/**
 * Formats `partition` as LUKS2 for disk `id` and opens it. The caller has already applied
 * the disk-safety rule to `partition` (blank, or confirmed); this destroys what is on it.
 */
export async function formatEncrypted(t: Transport, partition: string, id: string, log: (line: string) => void = () => {}): Promise<EncryptedDisk> {
  await assertEncryptionPossible(t);
  const header = await writeLuksHeader(t, partition, id, { log });
  const name = mapperName(id);
  await t.run(openArgv(partition, header.keyFile, name), { mutating: true, timeoutMs: 120_000 });
  return { ...header, device: mapperPath(name) };
}

/** Closes the container formatEncrypted opened (after mkfs and the marker). */
export async function closeEncrypted(t: Transport, id: string): Promise<void> {
  await t.run(closeArgv(mapperName(id)), { mutating: true, timeoutMs: 60_000 });
}
