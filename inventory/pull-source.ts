/**
 * Sources pulled from another machine with linkdest's own restricted key (docs/pull.md).
 * A source names an inventory host (`marte:/Apps`, `{host: marte, path: /Apps}`) or an
 * address with its own ssh settings (`{host: 10.0.0.5, path: /srv, ssh: {port: 2222}}`).
 * The control machine reaches the source host with those settings to set up the trust;
 * the backup host pulls with the rsh below, over the dedicated key and a known_hosts file
 * written by apply, never with the backup host's own keys or a key learned on first use.
 */
import type { SshSpec } from './host-spec.ts';

/** On the backup host: the private key (0600 root, generated there) and the public half. */
export const PULL_KEY = '/etc/linkdest/pull_ed25519';
export const PULL_PUBLIC_KEY = `${PULL_KEY}.pub`;
/** On the backup host: the source hosts' keys, copied from the control machine's verified known_hosts. */
export const PULL_KNOWN_HOSTS = '/etc/linkdest/known_hosts';

/** One source machine a backup host pulls from, and every path it pulls there. */
export interface PullSource {
  /** Inventory host name, or the address when the source is not an inventory host. */
  name: string;
  /** How the control machine reaches it for set-up (user, key, jump as for backup hosts). */
  ssh: SshSpec;
  /** The control machine logs in as someone else than root: sudo -n for the set-up. */
  become: boolean;
  /** Address and port the backup host connects to (ssh.host as written). */
  address: string;
  port: number;
  /** Who the backup host logs in as on the source: root, or source_user (rsync through sudo). */
  sourceUser?: string;
  paths: string[];
}

export const pullLogin = (s: Pick<PullSource, 'sourceUser'>): string => s.sourceUser ?? 'root';

/** The runtime's remote shell for one source host: only the pull key, only our known_hosts. */
export function pullRsh(s: Pick<PullSource, 'address' | 'port' | 'sourceUser'>): string[] {
  return [
    'ssh', '-i', PULL_KEY, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${PULL_KNOWN_HOSTS}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    '-o', `HostName=${s.address}`, '-p', String(s.port), '-l', pullLogin(s),
  ];
}

/** `marte:/Apps` -> marte and /Apps; undefined for a local path or `user@host:/path`. */
export function splitShortSource(path: string): { host: string; path: string } | undefined {
  const m = /^([^\s/:@]+):(\/.*)$/.exec(path);
  return m ? { host: m[1]!, path: m[2]! } : undefined;
}
