/**
 * The whole `linkdest init` flow with scripted answers and a fake host: what is asked,
 * what is refused, what ends up in linkdest.yml and what apply is handed.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runInit } from '../../../provision/wizard/flow.ts';
import { CTRL_C, seq } from './scripted.ts';
import { harness, typicalDisks, workdir } from './fixtures.ts';

let dir: string;
beforeEach(async () => { dir = await workdir(); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const opts = () => ({ inventory: join(dir, 'linkdest.yml'), mountpoint: '/mnt/Backup' });
const base = { host: 'marte.lan', identity: '', 'mail-to': '', 'healthcheck-url': '' };

describe('linkdest init, USB disk', () => {
  test('a blank disk: the inventory gets the host with its stable device name; plan, apply, first backup follow', async () => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', sources: ['/srv', '/etc'], source: 'db1:/var/lib/db' });
    expect(await runInit(opts(), h.deps)).toBe(0);
    const inv = parse(await readFile(join(dir, 'linkdest.yml'), 'utf8'));
    expect(inv.hosts.marte).toEqual({
      ssh: { host: 'marte.lan', port: 22, user: 'root', known_hosts: './known_hosts' },
      disk: { usb: { device: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' } },
      sources: ['/srv', '/etc', 'db1:/var/lib/db'],
    });
    expect(h.rec.planned).toHaveLength(1);
    expect(h.rec.planned[0]!.formatConfirm).toBeUndefined();
    expect(h.rec.planned[0]!.spec.schedule).toBe('*-*-* 03:00:00');
    expect(h.rec.applied).toBe(1);
    expect(h.rec.backups).toBe(1);
  });

  test('a host behind a bastion: the jump is checked, used to connect, and written to the inventory', async () => {
    const h = harness({ ...base, jump: seq('bastion:99999', 'admin@bastion:2222, inner'), disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' });
    const connect = h.deps.connect;
    const seen: (string[] | undefined)[] = [];
    h.deps.connect = async (spec, ask, o) => { seen.push(spec.ssh?.jump); return connect(spec, ask, o); };
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('jump')).toHaveLength(1); // asked once; the bad port was refused at the prompt
    expect(seen).toEqual([['admin@bastion:2222', 'inner']]);
    const inv = parse(await readFile(join(dir, 'linkdest.yml'), 'utf8'));
    expect(inv.hosts.marte.ssh).toEqual({ host: 'marte.lan', port: 22, user: 'root', jump: ['admin@bastion:2222', 'inner'], known_hosts: './known_hosts' });
  });

  test('every prompt has a default or says how to skip it; defaults are stated', async () => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' });
    await runInit(opts(), h.deps);
    expect(h.prompts.questions('time')[0]).toMatchObject({ default: '03:00' });
    expect(h.prompts.questions('user')[0]).toMatchObject({ default: 'root' });
    expect(h.prompts.questions('port')[0]).toMatchObject({ default: '22' });
    expect(h.rec.said.join('\n')).toContain('keep at least 30 snapshots; delete the oldest ones beyond that until 30G and 100k inodes are free before a backup, and 40G / 300k inodes after it');
  });

  test('the disk table marks the system disk and a mounted disk unselectable, and a script cannot pick them', async () => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/ata-Samsung_SSD_S1' });
    await expect(runInit(opts(), h.deps)).rejects.toThrow(/cannot be chosen: system disk: holds \//);
    const choices = (h.prompts.questions('disk')[0] as { choices: { value: string; disabled?: string }[] }).choices;
    expect(choices.map((c) => [c.value, c.disabled])).toEqual([
      ['/dev/disk/by-id/ata-Samsung_SSD_S1', 'system disk: holds /'],
      ['/dev/disk/by-id/usb-WD_Elements_WX11-0:0', undefined],
      ['/dev/disk/by-id/usb-WD_Passport_WX22-0:0', undefined],
      ['/dev/disk/by-id/usb-Seagate_Expansion_NA33-0:0', undefined],
      ['/dev/disk/by-id/usb-Ext_ZZ44-0:0', 'mounted at /media/photos'],
    ]);
    expect(existsSync(join(dir, 'linkdest.yml'))).toBe(false);
  });

  test('a disk with data needs its serial typed; a wrong word is refused; apply gets the format confirmation', async () => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Passport_WX22-0:0', 'format-confirm': seq('yes', 'sdc', 'WX22') });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('format-confirm')).toHaveLength(1);
    expect(h.rec.said.join('\n')).toContain('holds: dos table, 1 partition, ntfs "Holidays" on sdc1');
    expect(h.rec.planned[0]!.formatConfirm).toBe('WX22');
  });

  test('an empty answer to the erase question goes back to the disk list', async () => {
    const h = harness({ ...base, disk: seq('/dev/disk/by-id/usb-WD_Passport_WX22-0:0', '/dev/disk/by-id/usb-WD_Elements_WX11-0:0'), 'format-confirm': '' });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('disk')).toHaveLength(2);
    expect(h.rec.planned[0]!.formatConfirm).toBeUndefined();
    expect(h.rec.planned[0]!.spec.disk?.target).toEqual({ kind: 'usb', device: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' });
  });

  test('a disk holding linkdest\'s filesystem is offered for adoption, and adopting needs no erase confirmation', async () => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-Seagate_Expansion_NA33-0:0' });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('adopt')[0]).toMatchObject({ default: true, message: expect.stringContaining('adopt') });
    expect(h.prompts.questions('format-confirm')).toHaveLength(0);
    expect(h.rec.planned[0]!.formatConfirm).toBeUndefined();
  });

  test('--yes refuses to erase a disk with data unless --format-confirm names it', async () => {
    const presets = { host: 'marte.lan', disk: '/dev/disk/by-id/usb-WD_Passport_WX22-0:0' };
    const h = harness({}, {}, presets, true);
    await expect(runInit(opts(), h.deps)).rejects.toThrow('--format-confirm is required with --yes');
    const ok = harness({}, {}, { ...presets, 'format-confirm': 'Holidays' }, true);
    expect(await runInit(opts(), ok.deps)).toBe(0);
    expect(ok.rec.planned[0]!.formatConfirm).toBe('WX22');
    expect(ok.prompts.asked).toEqual([]);
  });

  test('--yes never picks a blank disk by itself', async () => {
    const notOurs = typicalDisks().filter((d) => d.device!.path !== '/dev/sdd');
    const h = harness({}, { disks: notOurs }, { host: 'marte.lan' }, true);
    await expect(runInit(opts(), h.deps)).rejects.toThrow('--disk is required with --yes');
  });
});

describe('linkdest init, iSCSI', () => {
  test('portal, discovered QNAP target, CHAP: the secret goes to a 0600 file, the inventory only references it', async () => {
    const iqn = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
    const host = { targets: [{ target: iqn, portal: '10.0.0.5:3260', luns: [{ lun: 1, bytes: 2 ** 40 }], needsChap: true }] };
    const h = harness({ ...base, target: 'iscsi', 'iscsi-portal': '10.0.0.5', 'iscsi-target': iqn, 'chap-user': 'linkdest', 'chap-password': 's3cret-Chap' }, host);
    expect(await runInit(opts(), h.deps)).toBe(0);
    const choice = (h.prompts.questions('iscsi-target')[0] as { choices: { name: string }[] }).choices[0]!;
    expect(choice.name).toContain('QNAP ts-569pro, target "backuprbme"');
    expect(choice.name).toContain('LUN 1 1.0 TiB');
    expect(choice.name).toContain('[needs CHAP]');
    expect(h.prompts.questions('chap')[0]).toMatchObject({ default: true });
    expect(h.prompts.questions('chap-password')[0]!.kind).toBe('password');
    const text = await readFile(join(dir, 'linkdest.yml'), 'utf8');
    expect(text).not.toContain('s3cret-Chap');
    expect(parse(text).hosts.marte.disk).toEqual({
      iscsi: { portal: '10.0.0.5', target: iqn, lun: 1, chap: { user: 'linkdest', password_file: './marte.chap-secret' } },
    });
    const secret = join(dir, 'marte.chap-secret');
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    expect(await readFile(secret, 'utf8')).toBe('s3cret-Chap\n');
    expect(h.rec.said.join('\n')).not.toContain('s3cret-Chap');
  });
});

describe('linkdest init, existing inventory', () => {
  const existing = [
    '# our backups',
    'defaults:',
    '  mountpoint: /mnt/Backup   # the USB disk',
    'hosts:',
    '  # the mail server',
    '  venus:',
    '    ssh: { host: venus.lan }',
    '    sources: [/var/mail]',
    '  marte:',
    '    ssh:',
    '      host: marte.lan',
    '    disk: { usb: { device: /dev/disk/by-id/usb-WD_Elements_WX11-0:0 } }',
    '    sources: [/Apps]',
    '    hooks: { pre: [[systemctl, stop, nginx]] }   # keep me',
    '',
  ].join('\n');

  test('a host already in the inventory is edited, not duplicated; comments and other hosts stay', async () => {
    await writeFile(join(dir, 'linkdest.yml'), existing);
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', sources: ['/srv'], source: '/Apps', time: '04:30' });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('edit')[0]).toMatchObject({ default: true, message: expect.stringContaining('"marte"') });
    expect(h.prompts.questions('name')).toHaveLength(0);
    expect(h.prompts.questions('sources')[0]).toMatchObject({ default: ['/Apps'] });
    const text = await readFile(join(dir, 'linkdest.yml'), 'utf8');
    for (const kept of ['# our backups', '# the USB disk', '# the mail server', '# keep me', 'ssh: { host: venus.lan }']) expect(text).toContain(kept);
    const inv = parse(text);
    expect(Object.keys(inv.hosts)).toEqual(['venus', 'marte']);
    expect(inv.hosts.marte).toMatchObject({ sources: ['/srv', '/Apps'], schedule: '*-*-* 04:30:00', hooks: { pre: [['systemctl', 'stop', 'nginx']] } });
    expect(inv.hosts.marte.mountpoint).toBeUndefined();
  });

  test('a host with a webhook keeps it when edited, without being asked', async () => {
    await writeFile(join(dir, 'linkdest.yml'), existing.replace('    sources: [/Apps]\n', '    sources: [/Apps]\n    report: { webhook: { url_env: HOOK } }\n'));
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', sources: ['/srv'] });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('webhook')).toHaveLength(0);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.report).toEqual({ webhook: { url_env: 'HOOK' } });
  });

  test('a new host is appended after the others', async () => {
    await writeFile(join(dir, 'linkdest.yml'), existing);
    const h = harness({ ...base, host: 'giove.lan', disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' });
    expect(await runInit(opts(), h.deps)).toBe(0);
    const text = await readFile(join(dir, 'linkdest.yml'), 'utf8');
    expect(text.startsWith(existing.trimEnd())).toBe(true);
    expect(Object.keys(parse(text).hosts)).toEqual(['venus', 'marte', 'giove']);
  });
});

describe('linkdest init, how the disk is mounted: only what the host can do', () => {
  const noAutofs = { facts: { autofs: { kernel: false, device: false } } };
  const disk = '/dev/disk/by-id/usb-WD_Elements_WX11-0:0';

  test('a kernel without autofs: the summary says static and why; mount stays unset, the plan decides', async () => {
    const h = harness({ ...base, disk }, noAutofs);
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.rec.said.join('\n')).toContain('mount:   static mount unit (mounted at boot), as the host allows (no automount: the kernel has no autofs in /proc/filesystems)');
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.mount).toBeUndefined();
    expect(h.rec.planned[0]!.spec.mountDefaulted).toBe(true);
  });

  test('defaults: mount: automount on a host without autofs: the entry gets mount: static, so the plan cannot refuse it', async () => {
    await writeFile(join(dir, 'linkdest.yml'), 'defaults:\n  mount: automount\nhosts: {}\n');
    const h = harness({ ...base, disk }, noAutofs);
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.rec.said.join('\n')).toMatch(/mount: {3}static mount unit \(mounted at boot\) instead of automount \(automount cannot work on this host: the kernel has no autofs/);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.mount).toBe('static');
    expect(h.rec.planned[0]!.spec).toMatchObject({ mount: 'static' });
  });

  test('a host entry with mount: automount, edited on a host that has autofs, keeps it', async () => {
    await writeFile(join(dir, 'linkdest.yml'), 'hosts:\n  marte:\n    ssh: { host: marte.lan }\n    mount: automount\n    sources: [/Apps]\n');
    const h = harness({ ...base, disk });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.mount).toBe('automount');
  });
});

describe('linkdest init, cancelled', () => {
  test.each(['user', 'disk', 'time', 'write'])('Ctrl-C at "%s" leaves no file and does not touch the host', async (at) => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', [at]: CTRL_C });
    expect(await runInit(opts(), h.deps)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    expect(h.rec.planned).toHaveLength(0);
    expect(h.rec.said.at(-1)).toContain('nothing was written and the host was not changed');
  });

  test('Ctrl-C while editing leaves the existing inventory byte for byte', async () => {
    const text = 'hosts:\n  marte:   # mine\n    ssh: { host: marte.lan }\n    sources: [/Apps]\n';
    await writeFile(join(dir, 'linkdest.yml'), text);
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', 'keep-retention': CTRL_C });
    expect(await runInit(opts(), h.deps)).toBe(1);
    expect(await readFile(join(dir, 'linkdest.yml'), 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['linkdest.yml']);
  });
});

describe('linkdest init, reports', () => {
  test('a webhook: asked only when wanted, the URL hidden, kept in a 0600 file and referenced, never in linkdest.yml', async () => {
    const url = 'https://hooks.slack.com/services/T000/B000/s3cr3tT0ken';
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', webhook: true, 'webhook-url': url });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('webhook-url')[0]).toMatchObject({ kind: 'password' });
    const text = await readFile(join(dir, 'linkdest.yml'), 'utf8');
    expect(text).not.toContain('s3cr3tT0ken');
    expect(parse(text).hosts.marte.report).toEqual({ webhook: { url_file: './marte.webhook-url' } });
    expect(await readFile(join(dir, 'marte.webhook-url'), 'utf8')).toBe(`${url}\n`);
    expect((await stat(join(dir, 'marte.webhook-url'))).mode & 0o777).toBe(0o600);
  });

  test('no webhook by default: the URL is not even asked', async () => {
    const h = harness({ ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('webhook')).toHaveLength(1);
    expect(h.prompts.questions('webhook-url')).toHaveLength(0);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.report).toBeUndefined();
  });

  test('mail with SMTP login: test mail sent with the password, the password stored by reference only', async () => {
    const h = harness({
      ...base, disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0', 'mail-to': 'admin@example.org', 'smtp-host': 'mail.example.org',
      'smtp-user': 'backup', 'smtp-password': 'pw-123', 'healthcheck-url': 'https://hc-ping.com/abc',
    });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.rec.mails).toEqual([{ mail: expect.objectContaining({ to: 'admin@example.org' }), password: 'pw-123' }]);
    const text = await readFile(join(dir, 'linkdest.yml'), 'utf8');
    expect(text).not.toContain('pw-123');
    expect(parse(text).hosts.marte.report).toEqual({
      mail: { to: ['admin@example.org'], from: 'linkdest@marte', smtp: { host: 'mail.example.org', port: 587, security: 'starttls', user: 'backup', password_file: './marte.smtp-secret' } },
      healthcheck_url: 'https://hc-ping.com/abc',
    });
    expect(h.prompts.questions('test-mail')[0]!.message).toContain('from this machine');
  });
});
