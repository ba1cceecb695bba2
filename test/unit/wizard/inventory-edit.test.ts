import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { hostForAddress, upsertHost, viewInventory } from '../../../provision/wizard/inventory-edit.ts';

const FILE = [
  '# our backups',
  'defaults:',
  '  mountpoint: /mnt/Backup   # the USB disk',
  'hosts:',
  '  venus:   # first',
  '    ssh: { host: venus.lan }',
  '    sources: [/var/mail]',
  '',
  '  # marte below',
  '  marte:',
  '    sources: [/Apps]',
  '    hooks: { pre: [[systemctl, stop, nginx]] }   # keep me',
  '',
].join('\n');

describe('editing linkdest.yml keeps what the user wrote', () => {
  test('adding a host appends it; every byte before stays', () => {
    const out = upsertHost(FILE, 'giove', { ssh: { host: 'giove.lan' }, sources: ['/srv'] });
    expect(out.startsWith(FILE)).toBe(true);
    expect(parse(out).hosts.giove).toEqual({ ssh: { host: 'giove.lan' }, sources: ['/srv'] });
  });

  test('editing a host in the middle changes only its lines; comments, blank lines and the next host stay', () => {
    const out = upsertHost(FILE, 'venus', { ssh: { host: 'venus.lan', port: 2222 }, sources: ['/var/mail'] });
    expect(out).toContain('  venus:   # first\n');
    expect(out.match(/# first/g)).toHaveLength(1);
    expect(out.endsWith(FILE.slice(FILE.indexOf('\n  # marte below')))).toBe(true);
    expect(parse(out).hosts.venus.ssh).toEqual({ host: 'venus.lan', port: 2222 });
  });

  test('keys the wizard does not manage (hooks) survive an edit, managed keys no longer wanted go', () => {
    const out = upsertHost(FILE, 'marte', { ssh: { host: 'marte.lan' }, sources: ['/Apps', '/etc'] });
    expect(out).toContain('# keep me');
    expect(parse(out).hosts.marte).toEqual({ sources: ['/Apps', '/etc'], hooks: { pre: [['systemctl', 'stop', 'nginx']] }, ssh: { host: 'marte.lan' } });
  });

  test('a new file gets a header pointing at the docs', () => {
    const out = upsertHost(undefined, 'marte', { sources: ['/Apps'] });
    expect(out).toMatch(/^# linkdest inventory, written by `linkdest init`/);
    expect(parse(out)).toEqual({ hosts: { marte: { sources: ['/Apps'] } } });
  });

  test.each([
    ['venus.lan', 'venus'], ['VENUS.lan', 'venus'], ['marte', 'marte'], ['giove.lan', undefined],
  ])('address %s is host %s', (address, name) => {
    expect(hostForAddress(viewInventory(FILE), address)).toBe(name);
  });
});
