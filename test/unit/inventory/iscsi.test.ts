import { describe, expect, test } from 'vitest';
import { formatPortal, parsePortal, targetNameProblem } from '../../../inventory/iscsi.ts';

describe('parsePortal', () => {
  test.each([
    ['192.0.2.10', { address: '192.0.2.10', port: 3260 }],
    ['192.0.2.10:3261', { address: '192.0.2.10', port: 3261 }],
    ['qnap.lan', { address: 'qnap.lan', port: 3260 }],
    ['[2001:db8::10]', { address: '2001:db8::10', port: 3260 }],
    ['[2001:db8::10]:860', { address: '2001:db8::10', port: 860 }],
    ['[::ffff:192.0.2.1]:3260', { address: '::ffff:192.0.2.1', port: 3260 }],
  ])('%s', (text, portal) => {
    expect(parsePortal(text)).toEqual(portal);
    expect(parsePortal(formatPortal(portal))).toEqual(portal);
  });

  test.each([
    ['2001:db8::10', 'brackets'],
    ['[nas.lan]:3260', 'is not an IPv6 address'],
    ['nas.lan:0', 'port 0 is not between 1 and 65535'],
    ['nas.lan:70000', 'port 70000'],
    ['-oProxy', 'expected ADDRESS or ADDRESS:PORT'],
    ['nas lan', 'expected ADDRESS or ADDRESS:PORT'],
    ['', 'expected ADDRESS or ADDRESS:PORT'],
  ])('%s is refused', (text, reason) => {
    expect(parsePortal(text)).toContain(reason);
  });

  test('formatPortal brackets IPv6 for iscsiadm and runtime/config.ts', () => {
    expect(formatPortal({ address: '2001:db8::10', port: 3260 })).toBe('[2001:db8::10]:3260');
    expect(formatPortal({ address: '192.0.2.10', port: 3260 })).toBe('192.0.2.10:3260');
  });
});

describe('targetNameProblem', () => {
  test.each([
    'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1',
    'iqn.2003-01.org.linux-iscsi.nas.x8664:sn.2f1e1a7b',
    'iqn.1992-01.com.example',
    'eui.02004567A425678D',
    'naa.52004567BA64678D',
  ])('%s is valid', (name) => {
    expect(targetNameProblem(name)).toBeUndefined();
  });

  test.each([
    ['iqn.2004-13.com.qnap:x', 'expected an iSCSI name'],
    ['iqn.04-04.com.qnap:x', 'expected an iSCSI name'],
    ['iqn.2004-04.com.qnap:with space', 'expected an iSCSI name'],
    ['iqn.2004-04.com.QNAP:x', 'lowercase'],
    ['eui.1234', 'expected an iSCSI name'],
    [`iqn.2004-04.com.qnap:${'x'.repeat(220)}`, 'at most 223'],
  ])('%s is refused', (name, reason) => {
    expect(targetNameProblem(name)).toContain(reason);
  });
});
