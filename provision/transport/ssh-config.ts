/**
 * The part of ~/.ssh/config that decides where and as whom we connect, so an inventory may
 * name a host by its ssh alias exactly as `ssh alias` would. Like OpenSSH, the first value
 * obtained for a keyword wins (IdentityFile accumulates), `Host` lines take patterns with
 * `*`, `?` and `!`, and `Include` splices files in (globs in the last path component).
 * `ProxyJump` is returned as its list of hops; `ProxyCommand` is reported so the caller can
 * refuse it. Not supported: `Match` blocks other than `Match all` (their settings are ignored).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { matchPattern, matchPatternList } from './host-pattern.ts';
import { splitJumpList } from '../../inventory/jump-spec.ts';

export interface SshConfigDirective {
  /** Lower-cased keyword. */
  keyword: string;
  args: string[];
  /** Every list must match the host (Host blocks, including those around an Include). */
  conditions: string[][];
  file: string;
  line: number;
}

export interface ResolvedSshConfig {
  hostName: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  userKnownHostsFiles: string[];
  /** `ProxyJump a,b` as [a, b], nearest hop first, each hop as written. */
  proxyJump?: string[];
  /** The `ProxyCommand ...` line when the config asks for one. */
  proxyCommand?: string;
}

export interface SshConfigContext {
  homeDir: string;
  localUser: string;
}

/** A `Match` we cannot evaluate: `!*` never matches, so its settings stay out. */
const NEVER = ['!*'];
const MAX_INCLUDE_DEPTH = 16;

function splitArgs(rest: string): string[] {
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    const word = m[1] ?? m[2] ?? '';
    if (m[1] === undefined && word.startsWith('#')) break;
    args.push(word);
  }
  return args;
}

export type ReadFileFn = (path: string) => string;

/** Parse one file; Include reads further files through `read` (relative to `baseDir`). */
export function parseSshConfig(
  text: string,
  file: string,
  opts: { baseDir: string; homeDir?: string; read?: ReadFileFn; inherited?: string[][]; depth?: number },
): SshConfigDirective[] {
  const inherited = opts.inherited ?? [];
  const depth = opts.depth ?? 0;
  let conditions = inherited;
  const out: SshConfigDirective[] = [];
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/.exec(trimmed);
    if (!m) return;
    const keyword = (m[1] ?? '').toLowerCase();
    const args = splitArgs(m[2] ?? '');
    if (keyword === 'host') {
      conditions = [...inherited, args];
    } else if (keyword === 'match') {
      conditions = args.length === 1 && args[0]?.toLowerCase() === 'all' ? inherited : [...inherited, NEVER];
    } else if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH || !opts.read) return;
      for (const pattern of args) {
        for (const path of expandInclude(pattern, opts.baseDir, opts.homeDir)) {
          let sub: string;
          try {
            sub = opts.read(path);
          } catch {
            continue; // OpenSSH skips Include targets that do not exist
          }
          out.push(...parseSshConfig(sub, path, { ...opts, inherited: conditions, depth: depth + 1 }));
        }
      }
    } else {
      out.push({ keyword, args, conditions, file, line: i + 1 });
    }
  });
  return out;
}

function expandInclude(pattern: string, baseDir: string, homeDir: string | undefined): string[] {
  const home = homeDir !== undefined && pattern.startsWith('~/') ? join(homeDir, pattern.slice(2)) : pattern;
  const path = isAbsolute(home) ? home : join(baseDir, home);
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  try {
    return readdirSync(dirname(path))
      .filter((f) => matchPattern(name, f))
      .sort()
      .map((f) => join(dirname(path), f));
  } catch {
    return [];
  }
}

/**
 * Read a config file with its Includes; a missing file is an empty config. Relative
 * Includes resolve against ~/.ssh for the user's file, against /etc/ssh for the system's.
 */
export function loadSshConfig(file: string, homeDir: string, baseDir = join(homeDir, '.ssh')): SshConfigDirective[] {
  const read: ReadFileFn = (p) => readFileSync(p, 'utf8');
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseSshConfig(text, file, { baseDir, homeDir, read });
}

const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

/**
 * ~/.ssh/config then /etc/ssh/ssh_config, as ssh(1) reads them (the first value obtained
 * wins); a given file instead of both; null reads none (tests). An error names its file.
 */
export function readSshConfigs(sshConfigFile: string | null | undefined, homeDir: string): SshConfigDirective[] {
  if (sshConfigFile === null) return [];
  const files: [string, string][] = sshConfigFile !== undefined
    ? [[sshConfigFile, join(homeDir, '.ssh')]]
    : [[join(homeDir, '.ssh', 'config'), join(homeDir, '.ssh')], [SYSTEM_SSH_CONFIG, '/etc/ssh']];
  return files.flatMap(([file, baseDir]) => {
    try {
      return loadSshConfig(file, homeDir, baseDir);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** Expand `~` and the `%` tokens OpenSSH allows in file names and HostName. */
export function expandTokens(value: string, tokens: Record<string, string>, homeDir: string): string {
  const tilde = value === '~' ? homeDir : value.startsWith('~/') ? join(homeDir, value.slice(2)) : value;
  return tilde.replace(/%(.)/g, (all, t: string) => (t === '%' ? '%' : (tokens[t] ?? all)));
}

/** What the config says for `alias`, first value winning as in OpenSSH. */
export function resolveSshConfig(directives: readonly SshConfigDirective[], alias: string, ctx: SshConfigContext): ResolvedSshConfig {
  const first = new Map<string, string[]>();
  const identities: string[] = [];
  const applies = (d: SshConfigDirective): boolean => d.conditions.every((patterns) => matchPatternList(patterns, alias, { caseInsensitive: true }));
  for (const d of directives) {
    if (!applies(d)) continue;
    if (d.keyword === 'identityfile') {
      if (d.args[0] !== undefined) identities.push(d.args[0]);
    } else if (!first.has(d.keyword)) {
      first.set(d.keyword, d.args);
    }
  }
  const one = (k: string): string | undefined => first.get(k)?.[0];
  const hostName = expandTokens(one('hostname') ?? alias, { h: alias }, ctx.homeDir);
  const portText = one('port');
  const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
  const user = one('user');
  const tokens = { d: ctx.homeDir, u: ctx.localUser, h: hostName, r: user ?? ctx.localUser, p: String(port ?? 22), n: alias };
  const known = (first.get('userknownhostsfile') ?? []).filter((f) => f.toLowerCase() !== 'none');
  const resolved: ResolvedSshConfig = {
    hostName,
    identityFiles: identities.filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(f, tokens, ctx.homeDir)),
    userKnownHostsFiles: known.map((f) => expandTokens(f, tokens, ctx.homeDir)),
  };
  if (port !== undefined) resolved.port = port;
  if (user !== undefined) resolved.user = user;
  // OpenSSH keeps whichever of ProxyJump / ProxyCommand comes first; `none` ends the search too.
  const proxy = directives.find((d) => (d.keyword === 'proxyjump' || d.keyword === 'proxycommand') && d.args.length > 0 && applies(d));
  if (proxy !== undefined && proxy.args[0]?.toLowerCase() !== 'none') {
    if (proxy.keyword === 'proxycommand') resolved.proxyCommand = `ProxyCommand ${proxy.args.join(' ')}`;
    else resolved.proxyJump = splitJumpList(proxy.args.join(','));
  }
  return resolved;
}
