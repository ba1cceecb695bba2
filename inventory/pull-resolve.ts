/**
 * A backup host's sources -> what the runtime copies and which machines it pulls from.
 * A source naming another machine (`{host: marte, path: /Apps}`, or `marte:/Apps` where
 * marte is an inventory host) is resolved against the inventory's hosts first (their
 * address, port, user, key and jump settings), else taken as an address with the item's
 * own ssh settings. `user@host:/path` and `host:/path` of a host outside the inventory stay
 * as they were: pulled with rsync.rsh and trust the user set up (docs/pull.md).
 */
import type { RuntimeConfigInput } from '../runtime/config.ts';
import type { SshSpec } from './host-spec.ts';
import { pullRsh, splitShortSource, type PullSource } from './pull-source.ts';
import type { HostSettings } from './schema.ts';

/** What the inventory says about a host other backup hosts may pull from. */
export interface PullHostInfo {
  ssh: SshSpec;
  become: boolean;
  source_user?: string;
  connection: 'ssh' | 'local';
}

export interface PullProblem {
  /** Path below the host's settings: ['sources', 2, 'host']. */
  path: (string | number)[];
  reason: string;
}

type SourceItem = HostSettings['sources'][number];
type RuntimeSource = NonNullable<RuntimeConfigInput['sources']>[number];

export interface ResolvedSources {
  sources: RuntimeSource[];
  pull: PullSource[];
  problems: PullProblem[];
}

function sshOfItem(item: SourceItem, address: string, expand: (p: string) => string): SshSpec {
  const s = item.ssh;
  return {
    host: s?.host ?? address,
    ...(s?.port !== undefined && { port: s.port }),
    ...(s?.user !== undefined && { user: s.user }),
    ...(s?.identity !== undefined && { identity: expand(s.identity) }),
    ...(s?.known_hosts !== undefined && { known_hosts: expand(s.known_hosts) }),
    ...(s?.jump !== undefined && { jump: s.jump }),
  };
}

export function resolveSources(
  self: string, items: readonly SourceItem[], hosts: ReadonlyMap<string, PullHostInfo>, expand: (p: string) => string,
): ResolvedSources {
  const out: ResolvedSources = { sources: [], pull: [], problems: [] };
  const byName = new Map<string, PullSource>();
  items.forEach((item, i) => {
    const short = item.host === undefined ? splitShortSource(item.path) : undefined;
    const hostName = item.host ?? (short && hosts.has(short.host) ? short.host : undefined);
    const common = { ...(item.one_file_system !== undefined && { one_file_system: item.one_file_system }), ...(item.exclude !== undefined && { exclude: item.exclude }) };
    if (hostName === undefined) {
      out.sources.push({ path: item.path, ...common });
      return;
    }
    const path = short?.path ?? item.path;
    const known = hosts.get(hostName);
    const at = item.host !== undefined ? ['sources', i, 'host'] : ['sources', i];
    if (hostName === self) {
      out.problems.push({ path: at, reason: `${hostName} is this backup host itself: write the path alone (${path})` });
      return;
    }
    if (known !== undefined && item.ssh !== undefined) {
      out.problems.push({ path: ['sources', i, 'ssh'], reason: `${hostName} is an inventory host: its ssh settings are in hosts.${hostName}` });
      return;
    }
    if (known?.connection === 'local') {
      out.problems.push({ path: at, reason: `${hostName} has connection: local; a source host is reached over ssh` });
      return;
    }
    const ssh = known?.ssh ?? sshOfItem(item, hostName, expand);
    const sourceUser = item.source_user ?? known?.source_user;
    let pull = byName.get(hostName);
    if (pull === undefined) {
      pull = {
        name: hostName, ssh, become: known?.become ?? (ssh.user !== undefined && ssh.user !== 'root'),
        address: ssh.host, port: ssh.port ?? 22, ...(sourceUser !== undefined && { sourceUser }), paths: [],
      };
      byName.set(hostName, pull);
      out.pull.push(pull);
    } else if (pull.sourceUser !== sourceUser) {
      out.problems.push({ path: ['sources', i, 'source_user'], reason: `${hostName} is pulled as ${pull.sourceUser ?? 'root'} by an earlier source; one login per source host` });
      return;
    }
    if (/[\s\\*?[\]'"$`]/.test(path)) {
      out.problems.push({ path: ['sources', i, 'path'], reason: 'a pulled path may not hold spaces, quotes, backslashes or wildcards (the source host checks it word by word)' });
      return;
    }
    pull.paths.push(path.replace(/(.)\/+$/, '$1'));
    out.sources.push({ path: `${hostName}:${path}`, rsh: pullRsh(pull), ...common });
  });
  return out;
}
