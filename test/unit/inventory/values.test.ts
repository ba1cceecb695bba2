import { describe, expect, test } from 'vitest';
import { HOST_SMTP_PASSWORD_FILE } from '../../../inventory/build.ts';
import { DIR, HOME, parse, yml } from './helpers.ts';

const one = (text: string) => parse(text).hosts[0]!;

describe('built-in defaults', () => {
  test('a host with only sources gets every default', () => {
    const h = one(yml`
      hosts:
        marte: { sources: [/Apps] }`);
    expect(h).toMatchObject({
      name: 'marte', groups: [], connection: 'ssh', ssh: { host: 'marte' }, become: false, install_packages: true,
      mountpoint: '/mnt/Backup', mount: 'automount', marker: '.linkdest-backup', schedule: '*-*-* 03:00:00',
      origin: 'linkdest.yml:2:3',
    });
    expect(h.disk).toBeUndefined();
    expect(h.runtime.name).toBe('marte');
    expect(h.runtime.sources).toEqual([{ path: '/Apps', one_file_system: false, exclude: [] }]);
    expect(h.runtime.retention).toEqual({
      keep_min: 30, min_free_before: 30 * 1024 ** 3, min_free_after: 40 * 1024 ** 3, min_inodes_before: 100_000, min_inodes_after: 300_000,
    });
  });

  test('a disk gets ext4 and the label "linkdest"', () => {
    expect(one(yml`
      hosts:
        h: { sources: [/a], disk: { usb: { device: /dev/disk/by-id/usb-X-0:0 } } }`).disk)
      .toEqual({ target: { kind: 'usb', device: '/dev/disk/by-id/usb-X-0:0' }, filesystem: 'ext4', label: 'linkdest' });
  });

  test('name overrides the snapshot set name only', () => {
    const h = one('hosts:\n  h: { sources: [/a], name: old-server }\n');
    expect([h.name, h.runtime.name]).toEqual(['h', 'old-server']);
  });
});

describe('sizes', () => {
  test.each([
    ['30G', 30 * 1024 ** 3],
    ['"30 GB"', 30 * 1000 ** 3],
    ['500MB', 500 * 1000 ** 2],
    ['1.5T', 1.5 * 1024 ** 4],
    ['1073741824', 1024 ** 3],
  ])('min_free_before: %s', (written, bytes) => {
    expect(one(`hosts:\n  h:\n    sources: [/a]\n    retention: { min_free_before: ${written} }\n`).runtime.retention.min_free_before).toBe(bytes);
  });

  test('inode counts use the same suffixes', () => {
    const r = one('hosts:\n  h:\n    sources: [/a]\n    retention: { min_inodes_before: 100k, min_inodes_after: 300000 }\n').runtime.retention;
    expect([r.min_inodes_before, r.min_inodes_after]).toEqual([102_400, 300_000]);
  });

  test('thinning and keep_min pass through', () => {
    const r = one('hosts:\n  h:\n    sources: [/a]\n    retention: { keep_min: 5, thin: { daily: 14, weekly: 8, monthly: 12 } }\n').runtime.retention;
    expect(r).toMatchObject({ keep_min: 5, thin: { daily: 14, weekly: 8, monthly: 12 } });
  });
});

describe('become', () => {
  test.each([
    ['{ user: backup }', true],
    ['{ user: root }', false],
    ['{ host: h.lan }', false],
    ['{ user: backup }\n    become: false', false],
  ])('ssh: %s', (ssh, become) => {
    expect(one(`hosts:\n  h:\n    sources: [/a]\n    ssh: ${ssh}\n`).become).toBe(become);
  });

  test('local hosts do not use sudo unless asked', () => {
    expect(one('hosts:\n  h: { connection: local, sources: [/a] }\n')).toMatchObject({ connection: 'local', become: false });
    expect(one('hosts:\n  h: { connection: local, sources: [/a] }\n').ssh).toBeUndefined();
    expect(one('hosts:\n  h: { connection: local, become: true, sources: [/a] }\n').become).toBe(true);
  });
});

describe('paths on the control machine', () => {
  test('~ is the home directory, relative paths are relative to the inventory file', () => {
    const h = one(yml`
      hosts:
        h:
          sources: [/a]
          ssh: { identity: ~/.ssh/id_ed25519, known_hosts: ./known_hosts }
          disk:
            iscsi:
              portal: 192.0.2.10
              target: iqn.2004-04.com.qnap:ts-569pro:iscsi.b
              lun: 0
              chap: { user: u, password_file: secrets/chap, mutual: { user: t, password_env: CHAP_MUTUAL } }`);
    expect(h.ssh).toEqual({ host: 'h', identity: `${HOME}/.ssh/id_ed25519`, known_hosts: `${DIR}/known_hosts` });
    expect(h.disk?.target).toMatchObject({
      chap: { user: 'u', secret: { password_file: `${DIR}/secrets/chap` }, mutual: { user: 't', secret: { password_env: 'CHAP_MUTUAL' } } },
    });
  });

  test('portals: one or many, 3260 by default, IPv6 in brackets', () => {
    const h = one(yml`
      hosts:
        h:
          sources: [/a]
          disk: { iscsi: { portal: [nas.lan, "192.0.2.10:3261", "[2001:db8::10]"], target: "iqn.2004-04.com.qnap:x", lun: 1 } }`);
    expect(h.disk?.target).toMatchObject({
      kind: 'iscsi', lun: 1,
      portals: [{ address: 'nas.lan', port: 3260 }, { address: '192.0.2.10', port: 3261 }, { address: '2001:db8::10', port: 3260 }],
    });
  });
});

describe('secrets stay references', () => {
  test('SMTP password by environment variable; the host config names only the installed file', () => {
    const h = one(yml`
      hosts:
        h:
          sources: [/a]
          report:
            mail: { to: [a@example.org], from: b@example.org, smtp: { host: mail.example.org, user: u, password_env: SMTP_PW } }`);
    expect(h.smtp_password).toEqual({ password_env: 'SMTP_PW' });
    expect(h.runtime.report.mail?.smtp.password_file).toBe(HOST_SMTP_PASSWORD_FILE);
  });

  test('no SMTP secret, no password file on the host', () => {
    const h = one('hosts:\n  h:\n    sources: [/a]\n    report: { mail: { to: a@b.org, from: c@d.org, smtp: { host: m } } }\n');
    expect(h.smtp_password).toBeUndefined();
    expect(h.runtime.report.mail?.smtp.password_file).toBeUndefined();
  });
});

describe('values that look hostile are data, kept verbatim', () => {
  const hostile = {
    source: "/srv/my data/it's \"quoted\"; $(rm -rf ~) `id` & | >x",
    newline: '/srv/line\nbreak',
    exclude: "*.tmp'; rm -rf / #",
    hook: ['sh', '-c', 'echo "$(id)"; touch /tmp/x && exit 0'],
    rsh: ['ssh', '-o', 'ProxyCommand=ssh -W %h:%p "jump host"'],
    domain: "mail 'server' $(x)",
    identity: '~/my keys/id $(x)',
  };
  const h = one([
    'hosts:',
    '  h:',
    `    sources: [${JSON.stringify(hostile.source)}, { path: ${JSON.stringify(hostile.newline)}, exclude: [${JSON.stringify(hostile.exclude)}] }]`,
    `    exclude: [${JSON.stringify(hostile.exclude)}]`,
    `    hooks: { pre: [${JSON.stringify(hostile.hook)}] }`,
    `    rsync: { rsh: ${JSON.stringify(hostile.rsh)} }`,
    `    vms: [${JSON.stringify(hostile.domain)}]`,
    `    ssh: { identity: ${JSON.stringify(hostile.identity)} }`,
  ].join('\n'));

  test('sources, excludes, hooks, rsh and VM names arrive unchanged', () => {
    expect(h.runtime.sources.map((s) => s.path)).toEqual([hostile.source, hostile.newline]);
    expect(h.runtime.sources[1]!.exclude).toEqual([hostile.exclude]);
    expect(h.runtime.exclude).toEqual([hostile.exclude]);
    expect(h.runtime.hooks.pre).toEqual([hostile.hook]);
    expect(h.runtime.rsync.rsh).toEqual(hostile.rsh);
    expect(h.runtime.vms.domains).toEqual([hostile.domain]);
    expect(h.ssh?.identity).toBe(`${HOME}/my keys/id $(x)`);
  });
});

describe('accepted spellings', () => {
  test.each([
    '/dev/disk/by-id/usb-WD_Elements_1234-0:0', '/dev/disk/by-id/usb-WD_Elements_1234-0:0-part1',
    '/dev/disk/by-uuid/0b6f1c2e-1111-4a4a-9c9c-123456789abc', '/dev/disk/by-path/pci-0000:00:14.0-usb-0:2:1.0-scsi-0:0:0:0',
    '/dev/mapper/backup', '/dev/loop7',
  ])('device %s', (device) => {
    expect(one(`hosts:\n  h:\n    sources: [/a]\n    disk: { usb: { device: "${device}" } }\n`).disk?.target).toEqual({ kind: 'usb', device });
  });

  test.each(['daily', 'weekly', '*-*-* 03:00:00', 'Mon..Fri 03:00', 'Sat *-*-* 04:30', '*-*-* 02:00:00 Europe/Rome', 'Mon,Wed 22:15'])(
    'schedule %s', (schedule) => {
      expect(one(`hosts:\n  h:\n    sources: [/a]\n    schedule: "${schedule}"\n`).schedule).toBe(schedule);
    },
  );

  test.each([['90s', 90], ['5m', 300], ['1h', 3600], [600, 600]])('shutdown_timeout %s', (written, seconds) => {
    expect(one(`hosts:\n  h:\n    sources: [/a]\n    vms: { domains: [vm], shutdown_timeout: ${written} }\n`).runtime.vms.shutdown_timeout_s).toBe(seconds);
  });

  test.each([['90s', 90], ['5m', 300], [30, 30]])('hooks timeout %s', (written, seconds) => {
    expect(one(`hosts:\n  h:\n    sources: [/a]\n    hooks: { pre: [["true"]], timeout: ${written} }\n`).runtime.hooks.timeout_s).toBe(seconds);
  });

  test('hooks without timeout: 600 s; backup_group reaches the runtime config', () => {
    const h = one('hosts:\n  h:\n    sources: [/a]\n    hooks: { pre: [["true"]] }\n    backup_group: restorers\n');
    expect([h.runtime.hooks.timeout_s, h.runtime.backup_group]).toEqual([600, 'restorers']);
  });

  test('pull.parallel reaches the runtime config; unset it is 2', () => {
    expect(one('hosts:\n  h:\n    sources: [/a]\n    pull: { parallel: 4 }\n').runtime.pull).toEqual({ parallel: 4 });
    expect(one('hosts:\n  h:\n    sources: [/a]\n').runtime.pull).toEqual({ parallel: 2 });
  });

  test('anchors kept under top-level x- keys, reused with <<', () => {
    const { hosts } = parse(yml`
      x-usb: &usb
        disk: { usb: { device: /dev/disk/by-id/usb-A } }
        mount: fstab
      hosts:
        a: { <<: *usb, sources: [/a] }
        b: { <<: *usb, sources: [/b], mount: static }`);
    expect(hosts.map((h) => [h.name, h.mount, h.disk?.target])).toEqual([
      ['a', 'fstab', { kind: 'usb', device: '/dev/disk/by-id/usb-A' }],
      ['b', 'static', { kind: 'usb', device: '/dev/disk/by-id/usb-A' }],
    ]);
  });

  test('remote sources and YAML anchors', () => {
    const h = one(yml`
      hosts:
        h:
          sources: [&s "root@web1:/var/www", "db:/srv"]
          exclude: [*s]`);
    expect(h.runtime.sources.map((s) => s.path)).toEqual(['root@web1:/var/www', 'db:/srv']);
    expect(h.runtime.exclude).toEqual(['root@web1:/var/www']);
  });
});
