import { describe, expect, test } from 'vitest';
import type { HostSpec, SshSpec } from '../../../inventory/host-spec.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { openTransport, resolveSshTarget } from '../../../provision/transport/connect.ts';
import { LocalTransport } from '../../../provision/transport/local.ts';
import { SshTransport } from '../../../provision/transport/ssh.ts';
import { parseSshConfig } from '../../../provision/transport/ssh-config.ts';

function spec(ssh: SshSpec | undefined, become = true): HostSpec {
  return {
    name: 'nas',
    groups: [],
    connection: 'ssh',
    ssh,
    become,
    install_packages: false,
    mountpoint: '/mnt/Backup',
    mount: 'automount',
    marker: '.Disco_Backup_USB.txt',
    schedule: '*-*-* 02:00:00',
    runtime: {} as HostSpec['runtime'],
    origin: 'linkdest.yml:3:3',
  };
}

const config = parseSshConfig(
  'Host nas\n  HostName 10.9.9.9\n  Port 2200\n  User backup\n  IdentityFile ~/.ssh/nas_key\n' +
    'Host hidden\n  ProxyCommand nc %h %p\n',
  'config',
  { baseDir: '/home/ann/.ssh' },
);
const ctx = { homeDir: '/home/ann', localUser: 'ann', env: {} };

describe('resolveSshTarget', () => {
  test('an ssh alias supplies address, port, user and identity', () => {
    expect(resolveSshTarget(spec({ host: 'nas' }), config, ctx)).toEqual({
      host: '10.9.9.9',
      port: 2200,
      user: 'backup',
      identityFiles: [{ path: '/home/ann/.ssh/nas_key', required: false }],
      knownHostsFiles: ['/home/ann/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'],
      become: true,
    });
  });

  test('values written in the inventory win over ~/.ssh/config', () => {
    const t = resolveSshTarget(spec({ host: 'nas', port: 22, user: 'root', identity: '~/k', known_hosts: '~/kh' }), config, ctx);
    expect(t).toMatchObject({
      host: '10.9.9.9',
      port: 22,
      user: 'root',
      identityFiles: [{ path: '/home/ann/k', required: true }],
      knownHostsFiles: ['/home/ann/kh'],
    });
  });

  test.each([
    ['root never goes through sudo', 'root', true, false],
    ['another user with become uses sudo', 'backup', true, true],
    ['become: false never uses sudo', 'backup', false, false],
  ])('%s', (_t, user, become, want) => {
    expect(resolveSshTarget(spec({ host: '10.0.0.1', user }, become), [], ctx).become).toBe(want);
  });

  test('without any identity the OpenSSH default key files are tried, then the agent', () => {
    const t = resolveSshTarget(spec({ host: '10.0.0.1' }), [], { ...ctx, env: { SSH_AUTH_SOCK: '/run/agent.sock' } });
    expect(t.identityFiles.map((i) => i.path)).toEqual(['/home/ann/.ssh/id_ed25519', '/home/ann/.ssh/id_ecdsa', '/home/ann/.ssh/id_rsa']);
    expect(t.agent).toBe('/run/agent.sock');
    expect(t.user).toBe('ann');
  });

  test.each([
    ['no ssh section', undefined, /no ssh settings.*linkdest\.yml:3:3/],
    ['a proxy in ssh config', { host: 'hidden' }, /ProxyCommand nc %h %p.*not support/],
    ['a bad port', { host: 'x', port: 70000 }, /invalid ssh port 70000/],
  ])('refuses %s with a one-line error for host and step', (_t, ssh, message) => {
    let err: unknown;
    try {
      resolveSshTarget(spec(ssh), config, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LinkdestError);
    expect((err as LinkdestError).oneLine()).toMatch(/^nas: connect: /);
    expect((err as LinkdestError).message).toMatch(message);
  });
});

test('openTransport picks the transport from the connection kind', () => {
  expect(openTransport({ ...spec(undefined), connection: 'local' })).toBeInstanceOf(LocalTransport);
  expect(openTransport(spec({ host: '127.0.0.1' }), { sshConfigFile: null, homeDir: '/nonexistent' })).toBeInstanceOf(SshTransport);
});
