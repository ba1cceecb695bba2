/**
 * How a strict host-key check talks to ssh2 and to the user: which key algorithms to ask
 * the server for (the types known_hosts already holds for this host come first, so a
 * server with several keys offers the one we can check), and the one-line refusal that
 * says what was offered and how to accept it deliberately.
 */
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { type HostKeyVerdict, type KnownHostEntry, knownKeyTypes } from './known-hosts.ts';

/** ssh2's own default order (ssh-dss left out: OpenSSH dropped it). */
const DEFAULT_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Signature algorithms that prove a key of each known_hosts key type. */
const ALGORITHMS_FOR_KEY_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export function hostKeyAlgorithms(entries: readonly KnownHostEntry[], name: string): ServerHostKeyAlgorithm[] {
  const preferred = knownKeyTypes(entries, name).flatMap((t) => ALGORITHMS_FOR_KEY_TYPE[t] ?? []);
  return [...new Set([...preferred, ...DEFAULT_ALGORITHMS])];
}

export interface HostKeyContext {
  host: string;
  port: number;
  /** known_hosts files checked; the first is where an accepted key should go. */
  files: readonly string[];
  inventoryName: string;
}

/** The one-line refusal for every verdict but `match`. */
export function describeHostKeyProblem(verdict: Exclude<HostKeyVerdict, { kind: 'match' }>, ctx: HostKeyContext): string {
  const target = `${ctx.host}:${ctx.port}`;
  const file = ctx.files[0] ?? '~/.ssh/known_hosts';
  const keyscan = `ssh-keyscan -H${ctx.port === 22 ? '' : ` -p ${ctx.port}`} ${ctx.host} >> ${file}`;
  switch (verdict.kind) {
    case 'unknown':
      return (
        `host key of ${target} is not known (offered ${verdict.offered}; checked ${ctx.files.join(', ') || 'no file'})` +
        (verdict.note ? `; ${verdict.note}` : '') +
        `; compare that fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on its console), then accept it with: ${keyscan} (or: linkdest trust ${ctx.inventoryName})`
      );
    case 'changed': {
      // The old line may sit in another file than the first one checked: remove it where it is.
      const oldFile = /^(.*?):\d+(?:, |$)/.exec(verdict.where)?.[1] ?? file;
      return (
        `HOST KEY CHANGED for ${target}: POSSIBLE MAN-IN-THE-MIDDLE ATTACK; offered ${verdict.offered}, expected ${verdict.expected.join(' or ')} (${verdict.where}); ` +
        `nothing is replaced automatically: if the host was reinstalled, verify the new fingerprint out of band, remove the old line ` +
        `(ssh-keygen -R ${ctx.port === 22 ? ctx.host : `'[${ctx.host}]:${ctx.port}'`} -f ${oldFile}), then accept the new key with: linkdest trust ${ctx.inventoryName}`
      );
    }
    case 'revoked':
      return `host key of ${target} (${verdict.offered}) is marked @revoked in ${verdict.where}; refusing to connect`;
  }
}
