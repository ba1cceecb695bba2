/**
 * Trusting a host key on purpose, shared by `linkdest init` (trust on first use) and
 * `linkdest trust`: which ssh_config files name the host, and what to do with the key a
 * host offered, given what known_hosts says about it and the fingerprint the user vouched
 * for. Only an UNKNOWN key can ever be trusted; a changed or revoked one never is.
 */
import { fingerprintSha256, type HostKeyVerdict } from './known-hosts.ts';

/** OpenSSH's SHA256 fingerprint as `ssh-keygen -lf` prints it (base64, no padding). */
export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function isFingerprint(text: string): boolean {
  return FINGERPRINT_PATTERN.test(text);
}

export type TrustDecision =
  /** known_hosts already holds exactly this key: nothing to ask, nothing to write. */
  | { kind: 'already-trusted' }
  /** known_hosts holds another key for this host, or this key is revoked: never trusted here. */
  | { kind: 'refuse'; verdict: Extract<HostKeyVerdict, { kind: 'changed' | 'revoked' }> }
  /** Unknown key whose fingerprint is exactly the one the user gave. */
  | { kind: 'fingerprint-matches'; fingerprint: string }
  /** Unknown key, and the user's fingerprint is another one: a different host, or an attack. */
  | { kind: 'fingerprint-differs'; fingerprint: string }
  /** Unknown key and no fingerprint given: only a person at a terminal can decide. */
  | { kind: 'ask'; fingerprint: string };

/**
 * The rule in one place. `expected` is compared exactly (after trimming what a paste adds):
 * a fingerprint is a yes/no fact, never a prefix or a case-insensitive match.
 */
export function decideTrust(verdict: HostKeyVerdict, offered: Buffer, expected?: string): TrustDecision {
  if (verdict.kind === 'match') return { kind: 'already-trusted' };
  if (verdict.kind === 'changed' || verdict.kind === 'revoked') return { kind: 'refuse', verdict };
  const fingerprint = fingerprintSha256(offered);
  if (expected === undefined) return { kind: 'ask', fingerprint };
  return expected.trim() === fingerprint ? { kind: 'fingerprint-matches', fingerprint } : { kind: 'fingerprint-differs', fingerprint };
}
