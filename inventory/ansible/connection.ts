/**
 * Ansible's connection variables -> linkdest settings, for hosts that have a `linkdest`
 * variable. A `linkdest` mapping that sets the same key wins over these.
 *
 *   ansible_host (ansible_ssh_host)                 -> ssh.host
 *   ansible_port (ansible_ssh_port)                 -> ssh.port
 *   ansible_user (ansible_ssh_user)                 -> ssh.user
 *   ansible_ssh_private_key_file (..._private_key_file) -> ssh.identity (relative: to the
 *                                                      current directory, as ssh reads it under Ansible)
 *   ansible_become                                  -> become (Ansible's yes/no/true/1...)
 *   ansible_connection: local                       -> connection: local (ssh, smart, paramiko: ssh)
 *   ansible_ssh_common_args, then ansible_ssh_extra_args: -J / -o ProxyJump=,
 *     -o ProxyCommand="ssh -W %h:%p [-p PORT] [-l USER] [USER@]HOST" -> ssh.jump;
 *     -p, -l, -i, -o Port=, User=, IdentityFile=, UserKnownHostsFile= -> ssh.*;
 *     other -o options and flags that do not change where ssh goes are ignored (linkdest
 *     always checks host keys strictly); anything else is refused by name.
 */
import path from 'node:path';
import { shlexSplit } from './python-literal.ts';
import type { Source, Var } from './model.ts';

export interface ConnFragment {
  /** The Ansible variable it came from. */
  variable: string;
  at: Source;
  value: Record<string, unknown>;
}

export interface ConnProblem { at: Source; variable: string; reason: string }

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't', '1.0']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f', '0.0', '']);

/** Ansible's `boolean()` conversion; undefined when the value is not one. */
export function ansibleBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
  }
  return undefined;
}

const asPort = (v: unknown) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);

/** Flags of ssh(1) that take no argument and change nothing linkdest cares about. */
const HARMLESS_FLAGS = new Set('46AaCfGgKkMNnqsTtVvXxYy'.split(''));
/** -o options that only tune the connection; linkdest's own transport ignores them. */
const IGNORED_OPTIONS = new Set([
  'stricthostkeychecking', 'controlmaster', 'controlpersist', 'controlpath', 'serveraliveinterval',
  'serveralivecountmax', 'connecttimeout', 'connectionattempts', 'compression', 'forwardagent', 'loglevel',
  'identitiesonly', 'preferredauthentications', 'pubkeyauthentication', 'passwordauthentication',
  'kbdinteractiveauthentication', 'gssapiauthentication', 'batchmode', 'tcpkeepalive', 'addressfamily',
  'hashknownhosts', 'checkhostip', 'updatehostkeys', 'visualhostkey', 'requesttty', 'ipqos',
  'forwardx11', 'exitonforwardfailure', 'hostkeyalgorithms', 'pubkeyacceptedkeytypes', 'pubkeyacceptedalgorithms',
  'ciphers', 'macs', 'kexalgorithms', 'globalknownhostsfile', 'sendenv', 'setenv',
]);

/** `ssh -W %h:%p [-p P] [-l U] [-q...] [U@]HOST` -> `U@HOST:P`; a string is why it is not one. */
export function proxyCommandJump(command: string): string | { reason: string } {
  const words = shlexSplit(command);
  if ('error' in words || words.length === 0 || path.basename(words[0]!) !== 'ssh') return { reason: 'only "ssh -W %h:%p [user@]host" is understood; use ProxyJump' };
  let port: string | undefined;
  let user: string | undefined;
  let target: string | undefined;
  let forwards = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-W') { forwards = words[++i] === '%h:%p'; continue; }
    if (w === '-p') { port = words[++i]; continue; }
    if (w === '-l') { user = words[++i]; continue; }
    if (/^-[46AaCqTtvxXY]+$/.test(w)) continue;
    if (w === '-o' || w === '-i' || w === '-F') return { reason: `"${w}" inside ProxyCommand is not understood; use ProxyJump` };
    if (w.startsWith('-') || target !== undefined) return { reason: `"${w}" inside ProxyCommand is not understood; use ProxyJump` };
    target = w;
  }
  if (!forwards || target === undefined) return { reason: 'only "ssh -W %h:%p [user@]host" is understood; use ProxyJump' };
  const withUser = user !== undefined && !target.includes('@') ? `${user}@${target}` : target;
  return port !== undefined ? `${withUser}:${port}` : withUser;
}

function sshArgs(variable: string, v: Var, add: (value: Record<string, unknown>) => void, problem: (reason: string) => void, cwd: string): void {
  if (typeof v.value !== 'string') { problem('expected ssh arguments as text'); return; }
  const words = shlexSplit(v.value);
  if ('error' in words) { problem(words.error); return; }
  const option = (key: string, value: string) => {
    const k = key.toLowerCase();
    if (k === 'proxyjump') add({ ssh: { jump: value } });
    else if (k === 'proxycommand') {
      if (value.trim().toLowerCase() === 'none') { add({ ssh: { jump: 'none' } }); return; }
      const j = proxyCommandJump(value);
      if (typeof j === 'string') add({ ssh: { jump: j } });
      else problem(`ProxyCommand: ${j.reason}`);
    } else if (k === 'port') add({ ssh: { port: asPort(value) } });
    else if (k === 'user') add({ ssh: { user: value } });
    else if (k === 'identityfile') add({ ssh: { identity: localPath(value, cwd) } });
    else if (k === 'userknownhostsfile') add({ ssh: { known_hosts: localPath(value.split(/\s+/)[0]!, cwd) } });
    else if (!IGNORED_OPTIONS.has(k)) problem(`-o ${key} is not understood by linkdest (it keeps ProxyJump, ProxyCommand "ssh -W", Port, User, IdentityFile, UserKnownHostsFile)`);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flag = /^-([A-Za-z])(.*)$/.exec(w);
    if (!flag) { problem(`"${w}" is not an ssh option`); return; }
    const [, letter, rest] = flag as unknown as [string, string, string];
    const arg = () => (rest !== '' ? rest : words[++i]);
    if (letter === 'o') {
      const text = arg();
      if (text === undefined) { problem('-o needs an option'); return; }
      const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(text);
      if (!m) { problem(`-o ${text}: expected -o Key=Value`); return; }
      option(m[1]!, m[2]!);
    } else if (letter === 'J' || letter === 'p' || letter === 'l' || letter === 'i') {
      const a = arg();
      if (a === undefined) { problem(`-${letter} needs a value`); return; }
      option({ J: 'ProxyJump', p: 'Port', l: 'User', i: 'IdentityFile' }[letter], a);
    } else if (rest === '' && HARMLESS_FLAGS.has(letter)) {
      // changes nothing linkdest's transport does
    } else if ([...rest, letter].every((c) => HARMLESS_FLAGS.has(c))) {
      // -qC and the like
    } else {
      problem(`ssh flag "-${letter}" is not understood by linkdest (it keeps -J, -p, -l, -i and -o options)`);
      return;
    }
  }
}

function localPath(p: string, cwd: string): string {
  return p === '~' || p.startsWith('~/') || path.isAbsolute(p) ? p : path.resolve(cwd, p);
}

/** Fragments in precedence order (later wins) and the problems found. */
export function connectionSettings(vars: ReadonlyMap<string, Var>, cwd: string): { fragments: ConnFragment[]; problems: ConnProblem[] } {
  const fragments: ConnFragment[] = [];
  const problems: ConnProblem[] = [];
  const pick = (...names: string[]): [string, Var] | undefined => {
    for (const n of names) { const v = vars.get(n); if (v !== undefined && v.value !== null) return [n, v]; }
    return undefined;
  };
  const simple = (names: string[], make: (value: unknown) => Record<string, unknown> | string) => {
    const found = pick(...names);
    if (!found) return;
    const out = make(found[1].value);
    if (typeof out === 'string') problems.push({ at: found[1].at, variable: found[0], reason: out });
    else fragments.push({ variable: found[0], at: found[1].at, value: out });
  };
  simple(['ansible_connection'], (v) => {
    if (v === 'local') return { connection: 'local' };
    if (v === 'ssh' || v === 'smart' || v === 'paramiko' || v === 'paramiko_ssh' || v === 'ansible.builtin.ssh') return { connection: 'ssh' };
    return `linkdest connects by ssh or local, not ${JSON.stringify(v)}`;
  });
  simple(['ansible_host', 'ansible_ssh_host'], (v) => ({ ssh: { host: v } }));
  simple(['ansible_port', 'ansible_ssh_port'], (v) => ({ ssh: { port: asPort(v) } }));
  simple(['ansible_user', 'ansible_ssh_user'], (v) => ({ ssh: { user: v } }));
  simple(['ansible_ssh_private_key_file', 'ansible_private_key_file'], (v) => (typeof v === 'string' ? { ssh: { identity: localPath(v, cwd) } } : { ssh: { identity: v } }));
  simple(['ansible_become'], (v) => {
    const b = ansibleBoolean(v);
    return b === undefined ? `expected yes/no or true/false, got ${JSON.stringify(v)}` : { become: b };
  });
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const v = vars.get(name);
    if (v === undefined || v.value === null) continue;
    sshArgs(name, v, (value) => fragments.push({ variable: name, at: v.at, value }), (reason) => problems.push({ at: v.at, variable: name, reason }), cwd);
  }
  return { fragments, problems };
}
