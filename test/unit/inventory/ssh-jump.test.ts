/**
 * `ssh.jump`: every malformed value is one line naming file:line:col, the dotted path and
 * why; well-formed values come out as the list of hops, nearest first ([] for `none`).
 */
import { describe, expect, test } from 'vitest';
import { hostSettingsSchema } from '../../../inventory/schema.ts';
import { problems, yml } from './helpers.ts';

const bad: [string, string, string, string][] = [
  ['a jump that would be an option', yml`
    hosts:
      h:
        ssh: { host: h.lan, jump: "-oProxyCommand=x" }
        sources: [/data]`, '3:31', 'hosts.h.ssh.jump[0]: expected [user@]host[:port]'],
  ['a port out of range', yml`
    hosts:
      h:
        ssh:
          jump: bastion:70000
        sources: [/data]`, '4:13', 'hosts.h.ssh.jump[0]: port 70000 is not between 1 and 65535'],
  ['IPv6 without brackets', yml`
    hosts:
      h:
        ssh: { jump: "2001:db8::1:22" }
        sources: [/data]`, '3:18', 'ssh.jump[0]: write an IPv6 address in brackets'],
  ['the second hop of a list', yml`
    hosts:
      h:
        ssh:
          jump:
            - admin@bastion
            - "bad host"
        sources: [/data]`, '6:11', 'hosts.h.ssh.jump[1]: expected [user@]host[:port]'],
  ['a bad user', yml`
    hosts:
      h:
        ssh: { jump: "a b@bastion" }
        sources: [/data]`, '3:18', 'ssh.jump[0]: "a b" is not a user name'],
  ['none inside a chain', yml`
    hosts:
      h:
        ssh: { jump: [bastion, none] }
        sources: [/data]`, '3:28', 'hosts.h.ssh.jump[1]: "none" cannot be part of a chain'],
  ['an empty list', yml`
    hosts:
      h:
        ssh: { jump: [] }
        sources: [/data]`, '3:18', 'hosts.h.ssh.jump: expected a jump host, or none'],
  ['a map instead of a host', yml`
    hosts:
      h:
        ssh: { jump: { host: bastion } }
        sources: [/data]`, '3:18', 'hosts.h.ssh.jump: expected "[user@]host[:port]", a list of them, or none'],
];

describe('ssh.jump in the inventory', () => {
  test.each(bad)('refuses %s with file:line:col and the key', (_name, text, position, fragment) => {
    const lines = problems(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^linkdest\\.yml:${position} `));
    expect(lines[0]).toContain(fragment);
  });

  test.each([
    ['bastion', ['bastion']],
    ['admin@bastion.example.org:2222', ['admin@bastion.example.org:2222']],
    ['[2001:db8::1]:2222', ['[2001:db8::1]:2222']],
    ['outer, inner', ['outer', 'inner']],
    [['outer', 'backup@inner:22'], ['outer', 'backup@inner:22']],
    ['none', []],
    [['NONE'], []],
  ])('accepts %j as the hops %j', (jump, hops) => {
    const parsed = hostSettingsSchema.parse({ ssh: { jump }, sources: ['/data'] });
    expect(parsed.ssh?.jump).toEqual(hops);
  });
});
