import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { matchPattern, matchPatternList } from '../../../provision/transport/host-pattern.ts';
import { loadSshConfig, parseSshConfig, resolveSshConfig } from '../../../provision/transport/ssh-config.ts';

const ctx = { homeDir: '/home/ann', localUser: 'ann' };

const CONFIG = `
# personal config
Host web
  HostName 10.0.0.5
  Port 2222
  User admin
  IdentityFile ~/.ssh/web_key

Host *.lan !printer.lan
  User lanuser
  Port=2200

host NAS?
  hostname %h.home.arpa

Host jump-*
  ProxyJump bastion

Host quoted
  IdentityFile "~/.ssh/my key"

Match host web
  User ignored-by-linkdest

Match all
  ServerAliveInterval 30

Host *
  User fallback
  Port 22
  IdentityFile ~/.ssh/id_%u_%r
  UserKnownHostsFile ~/.ssh/kh_%h /etc/ssh/extra_known_hosts
`;

const directives = parseSshConfig(CONFIG, '~/.ssh/config', { baseDir: '/home/ann/.ssh' });

describe('resolveSshConfig', () => {
  test.each([
    ['web', { hostName: '10.0.0.5', port: 2222, user: 'admin' }],
    ['nas.lan', { hostName: 'nas.lan', port: 2200, user: 'lanuser' }],
    ['printer.lan', { hostName: 'printer.lan', port: 22, user: 'fallback' }],
    ['nas1', { hostName: 'nas1.home.arpa', port: 22, user: 'fallback' }],
    ['NAS1', { hostName: 'NAS1.home.arpa', port: 22, user: 'fallback' }],
    ['nas12', { hostName: 'nas12', port: 22, user: 'fallback' }],
    ['192.168.1.9', { hostName: '192.168.1.9', port: 22, user: 'fallback' }],
  ])('%s', (alias, want) => {
    const r = resolveSshConfig(directives, alias, ctx);
    expect({ hostName: r.hostName, port: r.port, user: r.user }).toEqual(want);
  });

  test('IdentityFile accumulates in order, with ~ and %u/%r expanded', () => {
    expect(resolveSshConfig(directives, 'web', ctx).identityFiles).toEqual(['/home/ann/.ssh/web_key', '/home/ann/.ssh/id_ann_admin']);
  });

  test('quoted values keep their spaces', () => {
    expect(resolveSshConfig(directives, 'quoted', ctx).identityFiles[0]).toBe('/home/ann/.ssh/my key');
  });

  test('UserKnownHostsFile lists every file, %h is the resolved HostName', () => {
    expect(resolveSshConfig(directives, 'web', ctx).userKnownHostsFiles).toEqual([
      '/home/ann/.ssh/kh_10.0.0.5',
      '/etc/ssh/extra_known_hosts',
    ]);
  });

  test('Match blocks other than "Match all" are ignored, not misapplied', () => {
    expect(resolveSshConfig(directives, 'web', ctx).user).toBe('admin');
  });

  test('ProxyJump is returned as its hops; hosts without one have none', () => {
    expect(resolveSshConfig(directives, 'jump-1', ctx).proxyJump).toEqual(['bastion']);
    expect(resolveSshConfig(directives, 'web', ctx).proxyJump).toBeUndefined();
    expect(resolveSshConfig(directives, 'web', ctx).proxyCommand).toBeUndefined();
  });

  test('no config: the alias is the address, nothing else is set', () => {
    expect(resolveSshConfig([], 'nas', ctx)).toEqual({ hostName: 'nas', identityFiles: [], userKnownHostsFiles: [] });
  });
});

describe('Include', () => {
  const home = mkdtempSync(join(tmpdir(), 'linkdest-sshcfg-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  mkdirSync(join(home, '.ssh', 'config.d'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config.d', '10-nas.conf'), 'Host nas\n  HostName 10.1.1.1\n');
  writeFileSync(join(home, '.ssh', 'config.d', '20-all.conf'), 'User from-include\n');
  writeFileSync(join(home, '.ssh', 'config.d', 'README'), 'Host nas\n  HostName wrong\n');
  writeFileSync(join(home, '.ssh', 'inner'), 'Port 2022\n');
  writeFileSync(
    join(home, '.ssh', 'config'),
    'Include config.d/*.conf\nHost web\n  Include inner\nHost *\n  Port 22\n  User late\n',
  );
  const loaded = loadSshConfig(join(home, '.ssh', 'config'), home);
  const c = { homeDir: home, localUser: 'ann' };

  test('globbed files are read in order; other names are not', () => {
    expect(resolveSshConfig(loaded, 'nas', c)).toMatchObject({ hostName: '10.1.1.1', user: 'from-include', port: 22 });
  });

  test('an Include inside a Host block applies to that host only', () => {
    expect(resolveSshConfig(loaded, 'web', c).port).toBe(2022);
    expect(resolveSshConfig(loaded, 'other', c).port).toBe(22);
  });

  test('a missing config file is an empty config', () => {
    expect(loadSshConfig(join(home, 'nope'), home)).toEqual([]);
  });
});

describe('host patterns', () => {
  test.each([
    ['*', 'anything', true],
    ['*.lan', 'nas.lan', true],
    ['*.lan', 'lan', false],
    ['nas?', 'nas1', true],
    ['nas?', 'nas', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['10.0.0.*', '10.0.0.17', true],
    ['[nas]:2222', '[nas]:2222', true],
  ])('%s vs %s', (pattern, name, want) => {
    expect(matchPattern(pattern, name)).toBe(want);
  });

  test.each([
    [['*.lan', '!printer.lan'], 'nas.lan', true],
    [['*.lan', '!printer.lan'], 'printer.lan', false],
    [['!printer.lan'], 'nas.lan', false],
    [['NAS'], 'nas', true],
  ])('list %j vs %s', (patterns, name, want) => {
    expect(matchPatternList(patterns, name, { caseInsensitive: true })).toBe(want);
  });
});
