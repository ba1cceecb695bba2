/**
 * Jump hosts as OpenSSH's ProxyJump writes them: `[user@]host[:port]` (IPv6 in brackets,
 * an `ssh://` prefix allowed), several joined by commas for a chain, the first hop nearest
 * to this machine; `none` means no jump. Shared by the inventory (`ssh.jump`) and
 * ~/.ssh/config (`ProxyJump`), so both accept exactly the same text.
 */

export interface JumpSpec {
  user?: string;
  /** Address or ~/.ssh/config alias. */
  host: string;
  port?: number;
}

const HOST = /^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/;

/** `admin@bastion:2222` -> {user, host, port}; a string is the reason it is not one. */
export function parseJumpSpec(text: string): JumpSpec | string {
  const body = text.startsWith('ssh://') ? text.slice(6) : text;
  const at = body.lastIndexOf('@');
  const user = at >= 0 ? body.slice(0, at) : undefined;
  const rest = at >= 0 ? body.slice(at + 1) : body;
  if (user !== undefined && !USER.test(user)) return `"${user}" is not a user name`;
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
    if (!IPV6.test(host) || !host.includes(':')) return `"${host}" is not an IPv6 address`;
  } else {
    if ((rest.match(/:/g) ?? []).length > 1) return 'write an IPv6 address in brackets, e.g. [2001:db8::1]:22';
    const m = /^([^:]*)(?::(\d*))?$/.exec(rest);
    if (!m || !HOST.test(m[1]!)) return 'expected [user@]host[:port], e.g. admin@bastion.example.org:2222';
    host = m[1]!;
    port = m[2];
  }
  const spec: JumpSpec = { host };
  if (user !== undefined) spec.user = user;
  if (port !== undefined) {
    const n = Number(port);
    if (port === '' || !Number.isInteger(n) || n < 1 || n > 65535) return `port "${port}" is not between 1 and 65535`;
    spec.port = n;
  }
  return spec;
}

/** `a, b` or `a,b` -> [a, b]; `none` -> [] (no jump, as OpenSSH reads it). */
export function splitJumpList(text: string): string[] {
  const hops = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return hops.length === 1 && hops[0]!.toLowerCase() === 'none' ? [] : hops;
}

/** How a hop is named in messages: as the user wrote it. */
export function formatJumpSpec(spec: JumpSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.user !== undefined ? `${spec.user}@` : ''}${host}${spec.port !== undefined ? `:${spec.port}` : ''}`;
}
