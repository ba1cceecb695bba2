/**
 * The recovery passphrase of an encrypted disk: 128 random bits written in ModHex, the
 * alphabet systemd-cryptenroll uses for its recovery keys because its 16 letters sit on
 * the same keys on QWERTY, AZERTY and QWERTZ keyboards (the restore may happen on a
 * stranger's machine), in groups of four for reading aloud and copying onto paper.
 * 128 bits behind argon2id is beyond guessing; the passphrase is shown once and kept nowhere.
 */
import { randomBytes } from 'node:crypto';

export const MODHEX = 'cbdefghijklnrtuv';
export const RECOVERY_BYTES = 16;

/** Pure: bytes -> `ccbd-efgh-...`, each byte two letters (high nibble first), groups of four. */
export function formatRecoveryPassphrase(bytes: Uint8Array): string {
  let letters = '';
  for (const b of bytes) letters += MODHEX[b >> 4]! + MODHEX[b & 15]!;
  return letters.match(/.{1,4}/g)?.join('-') ?? '';
}

/** A fresh passphrase from the system's CSPRNG. */
export function newRecoveryPassphrase(): string {
  return formatRecoveryPassphrase(randomBytes(RECOVERY_BYTES));
}
