/**
 * Malformed disk settings (usb, iscsi, filesystem, label): each is rejected with exactly one
 * line naming the file, the line:col of the offending value (or key, when missing/unknown),
 * the dotted path and why. The other settings are in malformed.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { problems, yml } from './helpers.ts';

const cases: [string, string, string, string][] = [
  ['bare /dev/sdX', yml`
    hosts:
      h:
        sources: [/data]
        disk:
          usb: { device: /dev/sdb }`, '5:22', '/dev/sdb can name another disk after a reboot; use its /dev/disk/by-id/'],
  ['bare NVMe partition', yml`
    hosts:
      h:
        sources: [/data]
        disk: { usb: { device: /dev/nvme0n1p2 } }`, '4:28', '/dev/nvme0n1p2 can name another disk'],
  ['relative device', yml`
    hosts:
      h:
        sources: [/data]
        disk: { usb: { device: disk/by-id/usb-x } }`, '4:28', 'disk.usb.device: expected an absolute path'],
  ['device outside the stable links', yml`
    hosts:
      h:
        sources: [/data]
        disk: { usb: { device: /tmp/disk.img } }`, '4:28', 'expected /dev/disk/by-id/..., /dev/disk/by-uuid/..., /dev/mapper/... or /dev/loopN'],
  ['usb and iscsi together', yml`
    hosts:
      h:
        sources: [/data]
        disk:
          usb: { device: /dev/loop3 }
          iscsi: { portal: 192.0.2.1, target: "iqn.2004-04.com.qnap:x", lun: 0 }`, '6:7', 'disk.iscsi: a disk is either usb or iscsi, not both'],
  ['disk without usb or iscsi', yml`
    hosts:
      h:
        sources: [/data]
        disk: { filesystem: xfs }`, '4:5', 'hosts.h.disk: expected usb: {device: ...}, iscsi: {portal, target, lun} or rotation: {disks: [...]}'],
  ['iSCSI LUN missing', yml`
    hosts:
      h:
        sources: [/data]
        disk:
          iscsi:
            portal: 192.0.2.1
            target: iqn.2004-04.com.qnap:ts-569pro:iscsi.backup`, '5:7', 'disk.iscsi.lun: required: the LUN number, never assumed'],
  ['negative LUN', yml`
    hosts:
      h:
        sources: [/data]
        disk: { iscsi: { portal: 192.0.2.1, target: "iqn.2004-04.com.qnap:x", lun: -1 } }`, '4:80', 'lun: expected at least 0'],
  ['IPv6 portal without brackets', yml`
    hosts:
      h:
        sources: [/data]
        disk: { iscsi: { portal: "2001:db8::10", target: "iqn.2004-04.com.qnap:x", lun: 0 } }`, '4:30', 'portal[0]: write an IPv6 address in brackets'],
  ['portal port out of range', yml`
    hosts:
      h:
        sources: [/data]
        disk:
          iscsi:
            portal: [192.0.2.1, "nas.lan:99999"]
            target: iqn.2004-04.com.qnap:x
            lun: 0`, '6:29', 'portal[1]: port 99999 is not between 1 and 65535'],
  ['target that is no IQN', yml`
    hosts:
      h:
        sources: [/data]
        disk: { iscsi: { portal: 192.0.2.1, target: qnap-backup, lun: 0 } }`, '4:49', 'target: expected an iSCSI name such as iqn.2004-04.com.qnap'],
  ['uppercase IQN', yml`
    hosts:
      h:
        sources: [/data]
        disk: { iscsi: { portal: 192.0.2.1, target: iqn.2004-04.com.QNAP:x, lun: 0 } }`, '4:49', 'iSCSI names are lowercase'],
  ['CHAP without a secret', yml`
    hosts:
      h:
        sources: [/data]
        disk:
          iscsi:
            portal: 192.0.2.1
            target: iqn.2004-04.com.qnap:x
            lun: 0
            chap: { user: linkdest }`, '9:9', 'disk.iscsi.chap: expected password_file or password_env'],
  ['CHAP with two secrets', yml`
    hosts:
      h:
        sources: [/data]
        disk:
          iscsi:
            portal: 192.0.2.1
            target: iqn.2004-04.com.qnap:x
            lun: 0
            chap: { user: u, password_file: /root/c, password_env: CHAP }`, '9:50', 'chap.password_env: use password_file or password_env, not both'],
  ['ext4 label too long', yml`
    hosts:
      h:
        sources: [/data]
        disk: { usb: { device: /dev/loop0 }, label: linkdest-backup-1 }`, '4:49', 'disk.label: ext4 labels have at most 16 characters'],
  ['xfs label too long (12)', yml`
    defaults:
      disk: { filesystem: xfs }
    hosts:
      h:
        sources: [/data]
        disk: { usb: { device: /dev/loop0 }, label: linkdest-nas1 }`, '6:49', 'xfs labels have at most 12 characters'],
  ['unsupported filesystem', yml`
    hosts:
      h:
        sources: [/data]
        disk: { usb: { device: /dev/loop0 }, filesystem: zfs }`, '4:54', 'disk.filesystem: expected one of ext4, xfs, btrfs'],
];

describe('malformed disk settings', () => {
  test.each(cases)('%s', (_name, text, position, fragment) => {
    const lines = problems(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^linkdest\\.yml:${position} `));
    expect(lines[0]).toContain(fragment);
  });
});
