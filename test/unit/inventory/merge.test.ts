import { describe, expect, test } from 'vitest';
import { mergeLayers } from '../../../inventory/merge.ts';
import { parse, problems, yml } from './helpers.ts';

describe('mergeLayers', () => {
  test.each([
    ['maps merge key by key', { a: { x: 1, y: 2 } }, { a: { y: 3 } }, { a: { x: 1, y: 3 } }],
    ['lists are replaced whole', { l: [1, 2, 3] }, { l: [4] }, { l: [4] }],
    ['a scalar replaces a map', { a: { x: 1 } }, { a: 'text' }, { a: 'text' }],
    ['a map replaces a list', { vms: ['a'] }, { vms: { uri: 'x' } }, { vms: { uri: 'x' } }],
    ['an empty value removes the inherited one', { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ['usb in a higher layer drops an inherited iscsi', { disk: { iscsi: { lun: 0 }, label: 'l' } }, { disk: { usb: { device: '/dev/loop1' } } },
      { disk: { usb: { device: '/dev/loop1' }, label: 'l' } }],
    ['a disk map without usb/iscsi keeps the inherited target', { disk: { usb: { device: '/dev/loop1' } } }, { disk: { filesystem: 'xfs' } },
      { disk: { usb: { device: '/dev/loop1' }, filesystem: 'xfs' } }],
  ])('%s', (_name, low, high, expected) => {
    const lowCopy = structuredClone(low);
    const merged = mergeLayers([{ from: ['defaults'], value: low }, { from: ['hosts', 'h'], value: high }]);
    expect(merged.value).toEqual(expected);
    expect(low).toEqual(lowCopy);
  });

  test('remembers which layer wrote each value', () => {
    const merged = mergeLayers([
      { from: ['defaults'], value: { retention: { keep_min: 3, min_free_before: '1G' }, sources: ['/a'] } },
      { from: ['groups', 'g', 'vars'], value: { retention: { keep_min: 5 } } },
      { from: ['hosts', 'h'], value: { sources: ['/b'] } },
    ]);
    expect(merged.origin(['retention', 'keep_min'])).toEqual(['groups', 'g', 'vars']);
    expect(merged.origin(['retention', 'min_free_before'])).toEqual(['defaults']);
    expect(merged.origin(['sources', 0, 'path'])).toEqual(['hosts', 'h']);
    expect(merged.origin(['retention', 'thin'])).toEqual(['groups', 'g', 'vars']);
    expect(merged.origin(['mountpoint'])).toEqual(['hosts', 'h']);
  });
});

describe('defaults < groups < host', () => {
  const text = yml`
    defaults:
      mountpoint: /mnt/from-defaults
      schedule: daily
      exclude: ["*.tmp", "*.bak"]
      retention: { keep_min: 30, min_free_before: 30G }
      report:
        mail: { to: a@example.org, from: b@example.org, smtp: { host: mail.example.org } }
      disk: { usb: { device: /dev/disk/by-id/usb-default }, label: backup }
    groups:
      first: { hosts: [both, one], vars: { mountpoint: /mnt/first, schedule: weekly } }
      second: { hosts: [both], vars: { mountpoint: /mnt/second } }
    hosts:
      both:
        sources: [/a]
      one:
        sources: [/a]
        schedule: hourly
        exclude: ["*.iso"]
        retention: { keep_min: 7 }
        report: { mail: ~ }
        disk: { iscsi: { portal: 192.0.2.9, target: "iqn.2004-04.com.qnap:ts:b", lun: 2 } }
      none:
        sources: [/a]
        mountpoint: /mnt/own`;
  const byName = Object.fromEntries(parse(text).hosts.map((h) => [h.name, h]));

  test('host beats group beats defaults; the later group wins', () => {
    expect(byName.both!.mountpoint).toBe('/mnt/second');
    expect(byName.one!.mountpoint).toBe('/mnt/first');
    expect(byName.none!.mountpoint).toBe('/mnt/own');
    expect(byName.both!.schedule).toBe('weekly');
    expect(byName.one!.schedule).toBe('hourly');
    expect(byName.none!.schedule).toBe('daily');
    expect(byName.both!.groups).toEqual(['first', 'second']);
    expect(byName.none!.groups).toEqual([]);
  });

  test('maps merge deeply, lists are replaced', () => {
    expect(byName.one!.runtime.retention.keep_min).toBe(7);
    expect(byName.one!.runtime.retention.min_free_before).toBe(30 * 1024 ** 3);
    expect(byName.one!.runtime.exclude).toEqual(['*.iso']);
    expect(byName.both!.runtime.exclude).toEqual(['*.tmp', '*.bak']);
  });

  test('an empty value removes an inherited setting', () => {
    expect(byName.one!.runtime.report.mail).toBeUndefined();
    expect(byName.both!.runtime.report.mail?.to).toEqual(['a@example.org']);
  });

  test('a host naming iscsi replaces the default usb disk, keeping the label', () => {
    expect(byName.one!.disk).toEqual({
      target: { kind: 'iscsi', portals: [{ address: '192.0.2.9', port: 3260 }], target: 'iqn.2004-04.com.qnap:ts:b', lun: 2 },
      filesystem: 'ext4', label: 'backup',
    });
    expect(byName.both!.disk?.target).toEqual({ kind: 'usb', device: '/dev/disk/by-id/usb-default' });
  });
});

describe('inherited mistakes are reported where they are written', () => {
  test('a bad default is one line at the default, not one per host', () => {
    const lines = problems(yml`
      defaults:
        mountpoint: backup
      hosts:
        a: { sources: [/a] }
        b: { sources: [/b] }`);
    expect(lines).toEqual(['linkdest.yml:2:15 defaults.mountpoint: expected an absolute path']);
  });

  test('a bad group variable points into the group', () => {
    const lines = problems(yml`
      groups:
        g: { hosts: [a], vars: { mount: nfs } }
      hosts:
        a: { sources: [/a] }`);
    expect(lines).toEqual(['linkdest.yml:2:35 groups.g.vars.mount: expected one of automount, fstab, static']);
  });

  test('a bad default overridden by the host is not an error for that host', () => {
    expect(parse(yml`
      defaults: { mountpoint: backup }
      hosts:
        a: { sources: [/a], mountpoint: /mnt/a }`).hosts[0]!.mountpoint).toBe('/mnt/a');
  });

  test('every problem at once, in file order', () => {
    const lines = problems(yml`
      defaults:
        mount: nfs
      hosts:
        a: { sources: [rel] }
        b: { mountpoint: x }`);
    expect(lines).toEqual([
      'linkdest.yml:2:10 defaults.mount: expected one of automount, fstab, static',
      'linkdest.yml:4:18 hosts.a.sources[0].path: expected /path or host:/path',
      'linkdest.yml:5:3 hosts.b.sources: required: the directories to back up, e.g. [/Apps]',
      'linkdest.yml:5:20 hosts.b.mountpoint: expected an absolute path',
    ]);
  });
});
