/**
 * What the control machine learns of a source host before planning its side of the pull
 * trust: the login's home and group, where rsync (and sudo) are, and the files linkdest
 * manages there. One getent and one run of the gather script, over the source's own
 * connection; nothing on the source is changed.
 */
import { gatherFacts } from '../facts/gather.ts';
import type { Facts } from '../facts/types.ts';
import type { Transport } from '../transport/transport.ts';
import { CHECK_SCRIPT_PATH } from './check-script.ts';

export interface SourceFacts {
  login: string;
  /** Absent: the login (source_user) does not exist yet; apply creates it. */
  account?: { home: string; group: string };
  home: string;
  authorizedKeys: string;
  /** root's authorized_keys when pulling as source_user: a line left there from pulling as root goes. */
  rootAuthorizedKeys?: string;
  sudoers: string;
  facts: Facts;
}

export const ROOT_AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';

export const sudoersPath = (user: string): string => `/etc/sudoers.d/linkdest-pull-${user.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** `getent passwd USER` line -> home and primary gid. */
export function parsePasswd(line: string): { home: string; gid: string } | undefined {
  const f = line.trim().split(':');
  return f.length >= 7 && f[5]!.startsWith('/') ? { home: f[5]!, gid: f[3]! } : undefined;
}

export async function gatherSourceFacts(t: Transport, login: string): Promise<SourceFacts> {
  const pw = await t.run(['getent', 'passwd', login], { allowFailure: true });
  const entry = pw.code === 0 ? parsePasswd(pw.stdout.split('\n')[0] ?? '') : undefined;
  let account: SourceFacts['account'];
  if (entry) {
    const g = await t.run(['getent', 'group', entry.gid], { allowFailure: true });
    account = { home: entry.home, group: g.code === 0 ? g.stdout.split(':')[0]! : entry.gid };
  }
  const home = account?.home ?? `/home/${login}`;
  const authorizedKeys = `${home}/.ssh/authorized_keys`;
  const sudoers = sudoersPath(login);
  const rootAuthorizedKeys = login === 'root' ? undefined : ROOT_AUTHORIZED_KEYS;
  const files = [CHECK_SCRIPT_PATH, authorizedKeys, `${home}/.ssh`, sudoers, ...(rootAuthorizedKeys ? [rootAuthorizedKeys] : [])];
  const facts = await gatherFacts(t, { files: files.map((path) => ({ path })), units: [] });
  return { login, ...(account && { account }), home, authorizedKeys, ...(rootAuthorizedKeys && { rootAuthorizedKeys }), sudoers, facts };
}
