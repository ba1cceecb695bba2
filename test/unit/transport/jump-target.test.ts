/**
 * Where the jump hosts of a target are, as whom and with which keys: each hop resolved
 * through ~/.ssh/config like the target, the inventory winning over ProxyJump.
 */
import { describe, expect, test } from 'vitest';
import type { HostSpec, SshSpec } from '../../../inventory/host-spec.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { resolveSshTarget } from '../../../provision/transport/connect.ts';
import { parseSshConfig } from '../../../provision/transport/ssh-config.ts';

function spec(ssh: SshSpec): HostSpec {
  return {
    name: 'marte', groups: [], connection: 'ssh', ssh, become: false, install_packages: false,
    mountpoint: '/mnt/Backup', mount: 'automount', marker: '.m', schedule: 'daily',
    runtime: {} as HostSpec['runtime'], origin: 'linkdest.yml:3:3',
  };
}

const config = parseSshConfig(
  [
    'Host bastion',
    '  HostName 10.0.0.1',
    '  Port 2222',
    '  User gate',
    '  IdentityFile ~/.ssh/bastion_key',
    'Host fenced',
    '  HostName 10.0.0.2',
    '  UserKnownHostsFile ~/.ssh/fenced_known_hosts',
    'Host behind',
    '  HostName 10.0.0.5',
    '  ProxyJump bastion',
    'Host inner',
    '  HostName 10.1.0.1',
    '  ProxyJump bastion',
    'Host scripted',
    '  ProxyCommand nc %h %p',
    'Host loop-a',
    '  ProxyJump loop-b',
    'Host loop-b',
    '  ProxyJump loop-a',
  ].join('\n'),
  'config',
  { baseDir: '/home/ann/.ssh' },
);
const ctx = { homeDir: '/home/ann', localUser: 'ann', env: { SSH_AUTH_SOCK: '/run/agent' } };
const DEFAULT_KNOWN = ['/home/ann/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'];

describe('jump hosts of a target', () => {
  test('an alias for the bastion brings its HostName, Port, User and IdentityFile', () => {
    const t = resolveSshTarget(spec({ host: '10.0.0.5', jump: ['bastion'] }), config, ctx);
    expect(t.host).toBe('10.0.0.5');
    expect(t.jumps).toEqual([{
      name: 'bastion', host: '10.0.0.1', port: 2222, user: 'gate',
      identityFiles: [{ path: '/home/ann/.ssh/bastion_key', required: false }],
      knownHostsFiles: DEFAULT_KNOWN, agent: '/run/agent',
    }]);
  });

  test('user and port written in the jump win over the alias; default keys when the config names none', () => {
    const t = resolveSshTarget(spec({ host: 'x', jump: ['root@bastion:22', '[2001:db8::9]'] }), config, ctx);
    expect(t.jumps?.map((j) => [j.name, j.host, j.port, j.user])).toEqual([
      ['bastion', '10.0.0.1', 22, 'root'],
      ['2001:db8::9', '2001:db8::9', 22, 'ann'],
    ]);
    expect(t.jumps?.[1]?.identityFiles.map((i) => i.path)).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => `/home/ann/.ssh/${f}`));
  });

  test("a jump checks the target's known_hosts unless its own config names others", () => {
    const t = resolveSshTarget(spec({ host: 'x', known_hosts: '/srv/kh', jump: ['bastion', 'fenced'] }), config, ctx);
    expect(t.knownHostsFiles).toEqual(['/srv/kh']);
    expect(t.jumps?.map((j) => j.knownHostsFiles)).toEqual([['/srv/kh'], ['/home/ann/.ssh/fenced_known_hosts', '/etc/ssh/ssh_known_hosts']]);
  });

  test('ProxyJump in ~/.ssh/config is used when the inventory says nothing', () => {
    const t = resolveSshTarget(spec({ host: 'behind' }), config, ctx);
    expect(t.host).toBe('10.0.0.5');
    expect(t.jumps?.map((j) => j.host)).toEqual(['10.0.0.1']);
  });

  test('the inventory wins: its own jump, or none for a direct connection', () => {
    expect(resolveSshTarget(spec({ host: 'behind', jump: ['fenced'] }), config, ctx).jumps?.map((j) => j.name)).toEqual(['fenced']);
    expect(resolveSshTarget(spec({ host: 'behind', jump: [] }), config, ctx).jumps).toBeUndefined();
    expect(resolveSshTarget(spec({ host: 'scripted', jump: ['bastion'] }), config, ctx).jumps?.map((j) => j.name)).toEqual(['bastion']);
  });

  test("the first hop's own ProxyJump is followed, as ssh -J does", () => {
    const t = resolveSshTarget(spec({ host: 'x', jump: ['inner'] }), config, ctx);
    expect(t.jumps?.map((j) => j.name)).toEqual(['bastion', 'inner']);
  });

  test.each([
    ['ProxyCommand on the target', { host: 'scripted' }, /"ProxyCommand nc %h %p", which linkdest does not support/],
    ['ProxyCommand on the jump', { host: 'x', jump: ['scripted'] }, /jump host scripted "ProxyCommand nc %h %p", which linkdest does not support/],
    ['a ProxyJump loop', { host: 'x', jump: ['loop-a'] }, /ProxyJump loops through loop-a -> loop-b -> loop-a/],
  ])('refuses %s in one line for host and step', (_t, ssh, message) => {
    let err: unknown;
    try {
      resolveSshTarget(spec(ssh), config, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LinkdestError);
    expect((err as LinkdestError).oneLine()).toMatch(/^marte: connect: /);
    expect((err as LinkdestError).oneLine()).toMatch(message);
    expect((err as LinkdestError).oneLine()).not.toContain('\n');
  });

  test('a malformed ProxyJump in ~/.ssh/config is named', () => {
    const bad = parseSshConfig('Host odd\n  ProxyJump bad@@host:0\n', 'config', { baseDir: '/home/ann/.ssh' });
    expect(() => resolveSshTarget(spec({ host: 'odd' }), bad, ctx)).toThrow(/jump host "bad@@host:0": /);
  });
});
