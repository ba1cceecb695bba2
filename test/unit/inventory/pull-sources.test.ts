/**
 * Sources on other machines: resolved against the inventory's hosts first, else an address
 * with its own ssh settings; the runtime config gets the restricted remote shell; mistakes
 * are one line at file:line:col.
 */
import { describe, expect, test } from 'vitest';
import { PULL_KEY, PULL_KNOWN_HOSTS } from '../../../inventory/pull-source.ts';
import { parse, problems, yml } from './helpers.ts';

const rshFor = (address: string, port: number, login: string) => [
  'ssh', '-i', PULL_KEY, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${PULL_KNOWN_HOSTS}`,
  '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
  '-o', `HostName=${address}`, '-p', String(port), '-l', login,
];

describe('resolution', () => {
  const inv = parse(yml`
    defaults:
      disk: { usb: { device: /dev/loop1 } }
    hosts:
      h1:
        ssh: { host: 10.0.0.1 }
        sources:
          - /etc
          - marte:/Apps
          - { host: h3, path: /srv/, exclude: [cache] }
          - { host: 10.0.0.9, path: /data, ssh: { port: 2222, user: admin, identity: keys/id }, source_user: backup }
          - nas:/volume1
          - me@other:/x
      marte:
        role: source
        ssh: { host: 10.0.0.2, port: 2200, user: admin, jump: bastion }
        source_user: puller
      h3:
        ssh: { host: 10.0.0.3 }
        sources: [/home]
  `);

  test('only backup hosts are planned; a role: source host is not one', () => {
    expect(inv.hosts.map((h) => h.name)).toEqual(['h1', 'h3']);
  });

  test('runtime sources: pulled ones get the restricted remote shell, others stay as written', () => {
    const h1 = inv.hosts[0]!;
    expect(h1.runtime.sources.map((s) => [s.path, s.rsh])).toEqual([
      ['/etc', undefined],
      ['marte:/Apps', rshFor('10.0.0.2', 2200, 'puller')],
      ['h3:/srv/', rshFor('10.0.0.3', 22, 'root')],
      ['10.0.0.9:/data', rshFor('10.0.0.9', 2222, 'backup')],
      ['nas:/volume1', undefined],
      ['me@other:/x', undefined],
    ]);
    expect(h1.runtime.sources[2]!.exclude).toEqual(['cache']);
  });

  test('pull list: one entry per machine, the control side reaches it with its own ssh settings', () => {
    expect(inv.hosts[0]!.pull).toEqual([
      { name: 'marte', ssh: { host: '10.0.0.2', port: 2200, user: 'admin', jump: ['bastion'] }, become: true, address: '10.0.0.2', port: 2200, sourceUser: 'puller', paths: ['/Apps'] },
      { name: 'h3', ssh: { host: '10.0.0.3' }, become: false, address: '10.0.0.3', port: 22, paths: ['/srv'] },
      { name: '10.0.0.9', ssh: { host: '10.0.0.9', port: 2222, user: 'admin', identity: '/srv/inventory/keys/id' }, become: true, address: '10.0.0.9', port: 2222, sourceUser: 'backup', paths: ['/data'] },
    ]);
    expect(inv.hosts[1]!.pull).toBeUndefined();
  });
});

describe('one-line errors at the place written', () => {
  test.each([
    ['a relative path with host:', yml`
      hosts:
        h1:
          sources: [{ host: marte, path: Apps }]`, '3:36', 'sources[0].path: expected /path'],
    ['ssh settings without host:', yml`
      hosts:
        h1:
          sources: [{ path: /x, ssh: { port: 22 } }]`, '3:27', 'ssh settings of a source need host:'],
    ['ssh settings for an inventory host', yml`
      hosts:
        h1:
          sources: [{ host: m, path: /x, ssh: { port: 22 } }]`, '3:36', 'sources[0].ssh: m is an inventory host: its ssh settings are in hosts.m'],
    ['the backup host itself', yml`
      hosts:
        h1:
          sources: [h1:/x]`, '3:15', 'h1 is this backup host itself'],
    ['a path the source host could not check word by word', yml`
      hosts:
        h1:
          sources: [{ host: m, path: "/a b" }]`, '3:26', 'sources[0].path: a pulled path may not hold spaces'],
    ['an unknown key on a source host', yml`
      hosts:
        m:
          role: source
          ssh: { hots: x }`, '4:12', 'unknown key'],
    ['a bad role', yml`
      hosts:
        m:
          role: sauce
          sources: [/x]`, '3:11', 'expected backup or source'],
  ])('%s', (_name, text, at, why) => {
    const lines = problems(text + (text.includes('host: m,') ? '\n  m: { role: source }' : ''));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`linkdest.yml:${at}`);
    expect(lines[0]).toContain(why);
  });
});
