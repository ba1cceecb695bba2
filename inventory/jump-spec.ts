/**
 * Jump hosts as OpenSSH's ProxyJump writes them: `[user@]host[:port]` (IPv6 in brackets,
 * an `ssh://` prefix allowed), several joined by commas for a chain, the first hop nearest
 * to this machine; `none` means no jump. Shared by the inventory (`ssh.jump`) and
 * ~/.ssh/config (`ProxyJump`), so both accept exactly the same text.
 */
import { USER_NAME } from './fields.ts';
import { splitHostPort } from './host-port.ts';

export interface JumpSpec {
  user?: string;
  /** Address or ~/.ssh/config alias. */
  host: string;
  port?: number;
}

const HOST = /^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?$/;

/** `admin@bastion:2222` -> {user, host, port}; a string is the reason it is not one. */
export function parseJumpSpec(text: string): JumpSpec | string {
  const body = text.startsWith('ssh://') ? text.slice(6) : text;
  const at = body.lastIndexOf('@');
  const user = at >= 0 ? body.slice(0, at) : undefined;
  const rest = at >= 0 ? body.slice(at + 1) : body;
  if (user !== undefined && !USER_NAME.test(user)) return `"${user}" is not a user name`;
  const hp = splitHostPort(rest, { hostPattern: HOST, expected: 'expected [user@]host[:port], e.g. admin@bastion.example.org:2222', v6Example: '[2001:db8::1]:22' });
  if (typeof hp === 'string') return hp;
  return { ...(user !== undefined ? { user } : {}), ...hp };
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
