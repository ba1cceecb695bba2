/**
 * A logout for new CHAP settings: what is unmounted first and mounted again after, what
 * refuses; and the session resource's apply order with a transport that only records
 * (the real kernel run of the same path is test/vm/iscsi-provision.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { lunRelease, parseMountTargets, type BackupMount } from '../../../provision/iscsi/lun-mounts.ts';
import { IscsiSessionResource } from '../../../provision/resources/iscsi-session.ts';
import { applyContext, ScriptedTransport } from '../../support/scripted-transport.ts';

const T = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const P = '10.0.0.5:3260';
const auto: BackupMount = { mountpoint: '/mnt/Backup', mount: 'automount' };

describe('parseMountTargets', () => {
  test.each([
    ['nothing mounted', '', []],
    ['one', '/mnt/Backup\n', ['/mnt/Backup']],
    ['escaped blank and UTF-8', '/mnt/My\\x20Backup\n/srv/\\xc3\\xa9t\\xc3\\xa9\n', ['/mnt/My Backup', '/srv/été']],
    ['same path twice (disk and partition)', '/mnt/Backup\n/mnt/Backup\n', ['/mnt/Backup']],
  ])('%s', (_name, text, want) => {
    expect(parseMountTargets(text)).toEqual(want);
  });
});

describe('lunRelease', () => {
  test.each<[string, string[], BackupMount | undefined, ReturnType<typeof lunRelease>]>([
    ['not mounted: nothing to do', [], auto, { ok: true, unmount: [], remount: [] }],
    ['automount: stop and start the .mount (the .automount stays armed)', ['/mnt/Backup'], auto,
      { ok: true, unmount: [['systemctl', 'stop', '--', 'mnt-Backup.mount']], remount: [['systemctl', 'start', '--', 'mnt-Backup.mount']] }],
    ['static unit with an escaped name', ['/mnt/My Backup'], { mountpoint: '/mnt/My Backup', mount: 'static' },
      { ok: true, unmount: [['systemctl', 'stop', '--', 'mnt-My\\x20Backup.mount']], remount: [['systemctl', 'start', '--', 'mnt-My\\x20Backup.mount']] }],
    ['fstab', ['/mnt/Backup'], { mountpoint: '/mnt/Backup', mount: 'fstab' },
      { ok: true, unmount: [['umount', '/mnt/Backup']], remount: [['mount', '/mnt/Backup']] }],
    ['also mounted elsewhere: refuse, touch nothing', ['/mnt/Backup', '/media/copy'], auto, { ok: false, foreign: ['/media/copy'] }],
    ['mounted, but where is unknown: refuse', ['/mnt/Backup'], undefined, { ok: false, foreign: ['/mnt/Backup'] }],
  ])('%s', (_name, mounted, backup, want) => {
    expect(lunRelease(mounted, backup)).toEqual(want);
  });
});

/** Answers the mount probe with `mounted`; `failing` commands exit 1 with "target is busy". */
const host = (mounted: string, failing: string[] = []) => new ScriptedTransport((argv) => {
  if (failing.includes(argv.join(' '))) return { code: 1, stderr: 'umount: /mnt/Backup: target is busy.' };
  return argv[3] === 'linkdest-lun-mounts' ? { stdout: mounted } : undefined;
});

describe('IscsiSessionResource.apply for new CHAP settings', () => {
  const resource = new IscsiSessionResource({
    host: 'marte', install: true, backup: auto,
    disk: { kind: 'iscsi', portals: [{ address: '10.0.0.5', port: 3260 }], target: T, lun: 1 },
  });
  const relogin = [{ resource: resource.id, action: 'update' as const, summary: 'log in again', data: { portal: P, logout: true, login: true } }];
  const node = `iscsiadm -m node -T ${T} -p ${P}`;

  test('a mounted backup disk is unmounted before the logout and mounted again after the login', async () => {
    const t = host('/mnt/Backup\n');
    await resource.apply(relogin, applyContext(t));
    expect(t.mutations()).toEqual([
      'systemctl stop -- mnt-Backup.mount', `${node} --logout`, `${node} --login`, expect.stringContaining('linkdest-relogin-clear'), 'systemctl start -- mnt-Backup.mount',
    ]);
  });

  test('not mounted: logout and login only', async () => {
    const t = host('');
    await resource.apply(relogin, applyContext(t));
    expect(t.mutations()).toEqual([`${node} --logout`, `${node} --login`, expect.stringContaining('linkdest-relogin-clear')]);
  });

  test('busy (a backup running): a one-line error, and the session is left alone', async () => {
    const t = host('/mnt/Backup\n', ['systemctl stop -- mnt-Backup.mount']);
    await expect(resource.apply(relogin, applyContext(t))).rejects.toThrow(/cannot unmount \/mnt\/Backup .*is a backup running\?.*target is busy.*--logout/);
    expect(t.mutations().some((m) => m.includes('--logout'))).toBe(false);
  });

  describe('moving a failed-over session back to the first portal', () => {
    const P2 = '10.0.0.6:3260';
    const node2 = `iscsiadm -m node -T ${T} -p ${P2}`;
    const move = [{ resource: resource.id, action: 'update' as const, summary: 'move back', data: { portal: P, logout: false, login: true, from: P2 } }];

    test('unmount, log out of the later portal, log in on the first, mount again', async () => {
      const t = host('/mnt/Backup\n');
      await resource.apply(move, applyContext(t));
      expect(t.mutations()).toEqual([
        'systemctl stop -- mnt-Backup.mount', `${node2} --logout`, `${node} --login`, expect.stringContaining('linkdest-relogin-clear'), 'systemctl start -- mnt-Backup.mount',
      ]);
    });

    test('the first portal still refuses: back on the later one, the disk mounted again, one line saying both', async () => {
      const t = host('/mnt/Backup\n', [`${node} --login`]);
      await expect(resource.apply(move, applyContext(t))).rejects.toThrow(new RegExp(`; the session is back on ${P2.replace(/\./g, '\\.')}$`));
      expect(t.mutations()).toEqual([
        'systemctl stop -- mnt-Backup.mount', `${node2} --logout`, `${node} --login`, `${node2} --login`, 'systemctl start -- mnt-Backup.mount',
      ]);
    });

    test('busy: nothing is logged out, and the error says nothing changed', async () => {
      const t = host('/mnt/Backup\n', ['systemctl stop -- mnt-Backup.mount']);
      await expect(resource.apply(move, applyContext(t))).rejects.toThrow(/cannot unmount \/mnt\/Backup to move the session back to .*is a backup running\?.*nothing was changed: apply again once the disk is free$/);
      expect(t.mutations().some((m) => m.includes('--logout'))).toBe(false);
    });
  });

  test('mounted somewhere linkdest does not manage: refused before any change', async () => {
    const t = host('/media/copy\n');
    await expect(resource.apply(relogin, applyContext(t))).rejects.toThrow(/mounted at \/media\/copy, which linkdest does not manage/);
    expect(t.mutations()).toEqual([]);
  });
});
