/**
 * Jump hosts as text (`[user@]host[:port]`, comma chains, `none`) and as ~/.ssh/config's
 * ProxyJump: the same grammar for both, first value winning as in OpenSSH.
 */
import { describe, expect, test } from 'vitest';
import { formatJumpSpec, parseJumpSpec, splitJumpList } from '../../../inventory/jump-spec.ts';
import { parseSshConfig, resolveSshConfig } from '../../../provision/transport/ssh-config.ts';

describe('parseJumpSpec', () => {
  test.each([
    ['bastion', { host: 'bastion' }],
    ['admin@bastion', { user: 'admin', host: 'bastion' }],
    ['admin@bastion.example.org:2222', { user: 'admin', host: 'bastion.example.org', port: 2222 }],
    ['10.0.0.1:22', { host: '10.0.0.1', port: 22 }],
    ['[2001:db8::1]', { host: '2001:db8::1' }],
    ['root@[2001:db8::1]:2200', { user: 'root', host: '2001:db8::1', port: 2200 }],
    ['ssh://ops@gw:2022', { user: 'ops', host: 'gw', port: 2022 }],
    ['jump_host', { host: 'jump_host' }],
  ])('%s', (text, want) => {
    expect(parseJumpSpec(text)).toEqual(want);
    expect(formatJumpSpec(want)).toBe(text.replace('ssh://', ''));
  });

  test.each([
    ['-oProxyCommand=x', 'expected [user@]host[:port]'],
    ['bastion:0', 'port 0 is not between 1 and 65535'],
    ['bastion:', 'port "" is not between 1 and 65535'],
    ['bastion:99999', 'port 99999'],
    ['2001:db8::1', 'write an IPv6 address in brackets'],
    ['[bastion]:22', '"bastion" is not an IPv6 address'],
    ['a b@bastion', '"a b" is not a user name'],
    ['@bastion', '"" is not a user name'],
    ['bast ion', 'expected [user@]host[:port]'],
    ['', 'expected [user@]host[:port]'],
  ])('refuses %j: %s', (text, reason) => {
    expect(parseJumpSpec(text)).toContain(reason);
  });
});

test.each([
  ['bastion', ['bastion']],
  ['outer,inner', ['outer', 'inner']],
  ['outer, admin@inner:2222', ['outer', 'admin@inner:2222']],
  ['none', []],
  ['None', []],
])('splitJumpList(%j)', (text, hops) => {
  expect(splitJumpList(text)).toEqual(hops);
});

describe('ProxyJump in ~/.ssh/config', () => {
  const ctx = { homeDir: '/home/ann', localUser: 'ann' };
  const config = parseSshConfig(
    [
      'Host chained',
      '  ProxyJump outer,admin@inner:2222',
      'Host direct',
      '  ProxyJump none',
      'Host commanded',
      '  ProxyCommand nc %h %p',
      '  ProxyJump ignored',
      'Host jumped-first',
      '  ProxyJump bastion',
      '  ProxyCommand ignored %h',
      'Host v6',
      '  ProxyJump [2001:db8::1]:22',
      'Host *',
      '  ProxyJump default-bastion',
    ].join('\n'),
    'config',
    { baseDir: '/home/ann/.ssh' },
  );

  test.each([
    ['chained', ['outer', 'admin@inner:2222'], undefined],
    ['direct', undefined, undefined],
    ['commanded', undefined, 'ProxyCommand nc %h %p'],
    ['jumped-first', ['bastion'], undefined],
    ['v6', ['[2001:db8::1]:22'], undefined],
    ['anything-else', ['default-bastion'], undefined],
  ])('%s', (alias, jump, command) => {
    const r = resolveSshConfig(config, alias, ctx);
    expect(r.proxyJump).toEqual(jump);
    expect(r.proxyCommand).toEqual(command);
  });
});
