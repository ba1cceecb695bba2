/** iscsiadm / iscsi-ls output parsers, IQN names, initiator names: tables of real outputs. */
import { describe, expect, test } from 'vitest';
import { parseSendTargets } from '../../../provision/iscsi/parse-sendtargets.ts';
import { parseIscsiLs } from '../../../provision/iscsi/parse-iscsi-ls.ts';
import { parseNodeRecord } from '../../../provision/iscsi/node-records.ts';
import { describeIqn, describeIqnLine } from '../../../provision/iscsi/qnap-iqn.ts';
import { generatedInitiatorName, initiatorNameOf } from '../../../provision/iscsi/initiator-name.ts';

const QNAP = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';

describe('parseSendTargets', () => {
  test.each([
    { name: 'one target, one portal', text: `10.0.0.5:3260,1 ${QNAP}\n`, want: [{ target: QNAP, portals: [{ address: '10.0.0.5', port: 3260, tpgt: 1 }] }] },
    {
      name: 'QNAP with two network ports: one target, two portals, order kept',
      text: `192.0.2.10:3260,1 ${QNAP}\n198.51.100.10:3260,1 ${QNAP}\n`,
      want: [{ target: QNAP, portals: [{ address: '192.0.2.10', port: 3260, tpgt: 1 }, { address: '198.51.100.10', port: 3260, tpgt: 1 }] }],
    },
    {
      name: 'IPv6 in brackets and a second target',
      text: `[2001:db8::10]:3260,1 ${QNAP}\n10.0.0.5:3261,2 iqn.2000-01.com.synology:ds918.Target-1.abc\n`,
      want: [
        { target: QNAP, portals: [{ address: '2001:db8::10', port: 3260, tpgt: 1 }] },
        { target: 'iqn.2000-01.com.synology:ds918.Target-1.abc', portals: [{ address: '10.0.0.5', port: 3261, tpgt: 2 }] },
      ],
    },
    {
      name: 'noise from a host without systemd/iscsid is ignored',
      text: `iscsiadm: can not connect to iSCSI daemon (111)!\n10.0.0.5:3260,1 ${QNAP}\n\n`,
      want: [{ target: QNAP, portals: [{ address: '10.0.0.5', port: 3260, tpgt: 1 }] }],
    },
    { name: 'a record without tpgt (created with -o new)', text: `10.0.0.5:3260,-1 ${QNAP}`, want: [{ target: QNAP, portals: [{ address: '10.0.0.5', port: 3260, tpgt: -1 }] }] },
    { name: 'duplicate line counted once', text: `10.0.0.5:3260,1 ${QNAP}\n10.0.0.5:3260,1 ${QNAP}`, want: [{ target: QNAP, portals: [{ address: '10.0.0.5', port: 3260, tpgt: 1 }] }] },
    { name: 'nothing found', text: 'iscsiadm: No portals found\n', want: [] },
  ])('$name', ({ text, want }) => {
    expect(parseSendTargets(text)).toEqual(want);
  });
});

describe('parseIscsiLs', () => {
  test.each([
    {
      name: 'two targets, controller LUN 0 and a disk LUN 1',
      text: `Target:${QNAP} Portal:10.0.0.5:3260,1\nLun:0    Type:STORAGE_ARRAY_CONTROLLER\nLun:1    Type:DIRECT_ACCESS (Size:63M)\nTarget:iqn.x:other Portal:10.0.0.5:3260,1\nLun:0    Type:DIRECT_ACCESS (Size:2T)\n`,
      want: {
        targets: [
          { target: QNAP, portal: '10.0.0.5:3260', luns: [{ lun: 0, type: 'STORAGE_ARRAY_CONTROLLER' }, { lun: 1, type: 'DIRECT_ACCESS', approxBytes: 63 * 2 ** 20 }] },
          { target: 'iqn.x:other', portal: '10.0.0.5:3260', luns: [{ lun: 0, type: 'DIRECT_ACCESS', approxBytes: 2 * 2 ** 40 }] },
        ],
        errors: [],
      },
    },
    {
      name: 'CHAP-protected target first: iscsi-ls stops there with the error',
      text: `Target:${QNAP} Portal:[2001:db8::10]:3260,1\nlist_luns: iscsi_connect failed. Failed to log in to target. Status: Authentication failure(513)\n`,
      want: {
        targets: [{ target: QNAP, portal: '[2001:db8::10]:3260', luns: [], error: 'list_luns: iscsi_connect failed. Failed to log in to target. Status: Authentication failure(513)' }],
        errors: [],
      },
    },
    {
      name: 'portal unreachable: no targets, one error',
      text: 'iscsi_discovery: connection failed : iscsi_service: socket error Connection refused(111).\n',
      want: { targets: [], errors: ['iscsi_discovery: connection failed : iscsi_service: socket error Connection refused(111).'] },
    },
  ])('$name', ({ text, want }) => {
    expect(parseIscsiLs(text)).toEqual(want);
  });
});

test('parseNodeRecord: key = value lines, <empty> is empty, comments skipped', () => {
  const text = [
    '# BEGIN RECORD 2.1.8',
    `node.name = ${QNAP}`,
    'node.tpgt = -1',
    'node.startup = automatic',
    'node.session.auth.authmethod = CHAP',
    'node.session.auth.username = backup',
    'node.session.auth.password.sha256 = 5e88',
    'node.session.auth.username_in = <empty>',
    'node.conn[0].address = 10.0.0.5',
    '# END RECORD',
  ].join('\n');
  expect(parseNodeRecord(text)).toEqual({
    'node.name': QNAP,
    'node.tpgt': '-1',
    'node.startup': 'automatic',
    'node.session.auth.authmethod': 'CHAP',
    'node.session.auth.username': 'backup',
    'node.session.auth.password.sha256': '5e88',
    'node.session.auth.username_in': '',
    'node.conn[0].address': '10.0.0.5',
  });
});

describe('describeIqn', () => {
  test.each([
    { name: QNAP, want: { vendor: 'QNAP', model: 'ts-569pro', target: 'backuprbme', id: 'd70ea1', authority: 'qnap.com', date: '2004-04' }, line: 'QNAP ts-569pro, target "backuprbme" (id d70ea1)' },
    { name: 'iqn.2004-04.com.qnap:ts-453d:iscsi.my.backup.lun.0a1b2c', want: { vendor: 'QNAP', model: 'ts-453d', target: 'my.backup.lun', id: '0a1b2c', authority: 'qnap.com', date: '2004-04' }, line: 'QNAP ts-453d, target "my.backup.lun" (id 0a1b2c)' },
    { name: 'iqn.2004-04.com.qnap:custom-name', want: { vendor: 'QNAP', target: 'custom-name', authority: 'qnap.com', date: '2004-04' }, line: 'QNAP, target "custom-name"' },
    { name: 'iqn.2000-01.com.synology:ds918.Target-1.abc', want: { vendor: 'Synology', target: 'ds918.Target-1.abc', authority: 'synology.com', date: '2000-01' }, line: 'Synology, target "ds918.Target-1.abc"' },
    { name: 'iqn.2005-10.org.freenas.ctl:backup', want: { vendor: 'TrueNAS', target: 'backup', authority: 'ctl.freenas.org', date: '2005-10' }, line: 'TrueNAS, target "backup"' },
    { name: 'iqn.2019-03.lan.home:nas', want: { target: 'nas', authority: 'home.lan', date: '2019-03' }, line: 'home.lan, target "nas"' },
    { name: 'eui.0123456789abcdef', want: { target: 'eui.0123456789abcdef' }, line: 'target "eui.0123456789abcdef"' },
  ])('$name', ({ name, want, line }) => {
    expect(describeIqn(name)).toEqual(want);
    expect(describeIqnLine(name)).toBe(line);
  });
});

describe('initiator names', () => {
  test.each([
    ['marte', 'iqn.2004-10.com.linkdest:marte'],
    ['Marte.example.org', 'iqn.2004-10.com.linkdest:marte'],
    ['nas_client 2', 'iqn.2004-10.com.linkdest:nas-client-2'],
    ['', 'iqn.2004-10.com.linkdest:host'],
  ])('%s -> %s', (hostname, want) => {
    expect(generatedInitiatorName(hostname)).toBe(want);
  });

  test('InitiatorName= line read from the Debian file, comments and GenerateName ignored', () => {
    expect(initiatorNameOf('## DO NOT EDIT\nInitiatorName=iqn.1993-08.org.debian:01:5d53465fc62\n')).toBe('iqn.1993-08.org.debian:01:5d53465fc62');
    expect(initiatorNameOf('## DO NOT EDIT\nGenerateName=yes\n')).toBeUndefined();
  });
});
