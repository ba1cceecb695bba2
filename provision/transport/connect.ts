/**
 * From a HostSpec to a Transport: local or SSH, with ~/.ssh/config applied the way
 * `ssh alias` would apply it. Values written in the inventory win over the ssh config,
 * as command-line options win over it in OpenSSH.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { HostSpec } from '../../inventory/host-spec.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { LocalTransport } from './local.ts';
import { expandTokens, readSshConfigs, resolveSshConfig, type SshConfigDirective } from './ssh-config.ts';
import { parseJumpSpec } from '../../inventory/jump-spec.ts';
import { type IdentityFile, type JumpHop, SshTransport } from './ssh.ts';
import type { Transport } from './transport.ts';

export interface OpenTransportOptions {
  /** Print ssh2's protocol debug lines to stderr. */
  debug?: boolean;
  /** ssh_config to honour; default ~/.ssh/config then /etc/ssh/ssh_config; null reads none. */
  sshConfigFile?: string | null;
  homeDir?: string;
  localUser?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFiles: IdentityFile[];
  knownHostsFiles: string[];
  agent?: string;
  become: boolean;
  /** Jump hosts, nearest to this machine first; absent when the host is reached directly. */
  jumps?: JumpHop[];
}

export interface TargetContext {
  homeDir: string;
  localUser: string;
  env: NodeJS.ProcessEnv;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const GLOBAL_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts';
/** ProxyJump of a jump host's own config is followed this deep (OpenSSH has no limit but loops). */
const MAX_JUMP_NESTING = 8;

type Fail = (message: string) => LinkdestError;

/** Where and as whom to connect; pure apart from the parsed config handed in. */
export function resolveSshTarget(spec: HostSpec, config: readonly SshConfigDirective[], ctx: TargetContext): SshTarget {
  const fail: Fail = (message) => new LinkdestError(message, { host: spec.name, step: 'connect' });
  const ssh = spec.ssh;
  if (ssh === undefined) throw fail(`connection is ssh but no ssh settings are given (${spec.origin})`);
  const resolved = resolveSshConfig(config, ssh.host, { homeDir: ctx.homeDir, localUser: ctx.localUser });
  if (ssh.jump === undefined && resolved.proxyCommand !== undefined) {
    throw fail(`~/.ssh/config gives ${ssh.host} "${resolved.proxyCommand}", which linkdest does not support; connect to the host directly or use ssh.jump`);
  }
  const port = ssh.port ?? resolved.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail(`invalid ssh port ${port} (${spec.origin})`);
  const user = ssh.user ?? resolved.user ?? ctx.localUser;
  const expand = (p: string): string => expandTokens(p, { d: ctx.homeDir, u: ctx.localUser, h: resolved.hostName, r: user }, ctx.homeDir);
  const sshDir = join(ctx.homeDir, '.ssh');
  const identityFiles: IdentityFile[] =
    ssh.identity !== undefined
      ? [{ path: expand(ssh.identity), required: true }]
      : (resolved.identityFiles.length > 0 ? resolved.identityFiles : DEFAULT_IDENTITIES.map((f) => join(sshDir, f))).map(
          (path) => ({ path, required: false }),
        );
  const knownHostsFiles =
    ssh.known_hosts !== undefined
      ? [expand(ssh.known_hosts)]
      : [...(resolved.userKnownHostsFiles.length > 0 ? resolved.userKnownHostsFiles : [join(sshDir, 'known_hosts')]), GLOBAL_KNOWN_HOSTS];
  const target: SshTarget = { host: resolved.hostName, port, user, identityFiles, knownHostsFiles, become: spec.become && user !== 'root' };
  const agent = ctx.env.SSH_AUTH_SOCK;
  if (agent !== undefined && agent !== '') target.agent = agent;
  const hops = ssh.jump ?? resolved.proxyJump ?? [];
  if (hops.length > 0) target.jumps = resolveJumps(hops, config, ctx, { knownHostsFiles, agent: target.agent }, fail);
  return target;
}

/**
 * Each hop through ~/.ssh/config exactly as the target is (HostName, Port, User, IdentityFile,
 * UserKnownHostsFile); its known_hosts are the target's unless its own config names others.
 * Like ssh -J, only the first hop's own ProxyJump is followed: later hops are reached through it.
 */
function resolveJumps(
  written: readonly string[],
  config: readonly SshConfigDirective[],
  ctx: TargetContext,
  inherit: { knownHostsFiles: string[]; agent: string | undefined },
  fail: Fail,
  seen: string[] = [],
): JumpHop[] {
  const hops = written.map((text): JumpHop => {
    const parsed = parseJumpSpec(text);
    if (typeof parsed === 'string') throw fail(`jump host "${text}": ${parsed}`);
    const r = resolveSshConfig(config, parsed.host, { homeDir: ctx.homeDir, localUser: ctx.localUser });
    const user = parsed.user ?? r.user ?? ctx.localUser;
    const ids = r.identityFiles.length > 0 ? r.identityFiles : DEFAULT_IDENTITIES.map((f) => join(ctx.homeDir, '.ssh', f));
    const hop: JumpHop = {
      name: parsed.host,
      host: r.hostName,
      port: parsed.port ?? r.port ?? 22,
      user,
      identityFiles: ids.map((path) => ({ path, required: false })),
      knownHostsFiles: r.userKnownHostsFiles.length > 0 ? [...r.userKnownHostsFiles, GLOBAL_KNOWN_HOSTS] : inherit.knownHostsFiles,
    };
    if (inherit.agent !== undefined) hop.agent = inherit.agent;
    return hop;
  });
  const first = hops[0];
  if (first === undefined) return [];
  const own = resolveSshConfig(config, first.name, { homeDir: ctx.homeDir, localUser: ctx.localUser });
  if (own.proxyCommand !== undefined) {
    throw fail(`~/.ssh/config gives jump host ${first.name} "${own.proxyCommand}", which linkdest does not support`);
  }
  if (own.proxyJump === undefined || own.proxyJump.length === 0) return hops;
  if (seen.includes(first.name) || seen.length >= MAX_JUMP_NESTING) {
    throw fail(`~/.ssh/config ProxyJump loops through ${[...seen, first.name].join(' -> ')}`);
  }
  return [...resolveJumps(own.proxyJump, config, ctx, inherit, fail, [...seen, first.name]), ...hops];
}

/** A transport for this host; not yet connected (connect() or the first command does). */
export function openTransport(spec: HostSpec, opts: OpenTransportOptions = {}): Transport {
  if (spec.connection === 'local') return new LocalTransport({ name: spec.name, become: spec.become });
  const homeDir = opts.homeDir ?? homedir();
  const ctx: TargetContext = { homeDir, localUser: opts.localUser ?? userInfo().username, env: opts.env ?? process.env };
  let config: SshConfigDirective[];
  try {
    config = readSshConfigs(opts.sshConfigFile, homeDir);
  } catch (err) {
    throw new LinkdestError(`cannot read ${(err as Error).message}`, { host: spec.name, step: 'connect', cause: err });
  }
  const target = resolveSshTarget(spec, config, ctx);
  return new SshTransport({
    name: spec.name,
    ...target,
    ...(opts.debug ? { debug: (line: string) => process.stderr.write(`${spec.name}: ssh: ${line}\n`) } : {}),
  });
}
