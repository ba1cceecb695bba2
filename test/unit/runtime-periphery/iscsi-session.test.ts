import { describe, expect, test } from 'vitest';
import { byPathDevice, loggedInPortal, parseIscsiSessions, planIscsiLogin } from '../../../runtime/iscsi-session.ts';

const QNAP = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const OTHER = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.media.a1b2c3';

describe('parseIscsiSessions', () => {
  test.each([
    ['one session', `tcp: [1] 192.168.1.10:3260,1 ${QNAP} (non-flash)\n`,
      [{ transport: 'tcp', sid: 1, portal: '192.168.1.10:3260', tpgt: 1, target: QNAP }]],
    ['two sessions, older iscsiadm without flash note', `tcp: [3] 10.0.0.5:3260,1 ${OTHER}\ntcp: [4] 10.0.0.6:3261,2 ${QNAP}\n`,
      [{ transport: 'tcp', sid: 3, portal: '10.0.0.5:3260', tpgt: 1, target: OTHER },
        { transport: 'tcp', sid: 4, portal: '10.0.0.6:3261', tpgt: 2, target: QNAP }]],
    ['IPv6 portal', `tcp: [2] [fd00::10]:3260,1 ${QNAP} (non-flash)\n`,
      [{ transport: 'tcp', sid: 2, portal: '[fd00::10]:3260', tpgt: 1, target: QNAP }]],
    ['host name portal', `tcp: [7] nas.lan:3260,1 ${QNAP} (non-flash)\n`,
      [{ transport: 'tcp', sid: 7, portal: 'nas.lan:3260', tpgt: 1, target: QNAP }]],
    ['no sessions (stderr text, exit 21)', 'iscsiadm: No active sessions.\n', []],
    ['empty', '', []],
  ])('%s', (_name, text, sessions) => {
    expect(parseIscsiSessions(text)).toEqual(sessions);
  });
});

const cfg = { portals: ['192.168.1.10:3260', '192.168.2.10:3260'], target: QNAP, lun: 0 };
const session = (portal: string, target = QNAP) => ({ transport: 'tcp', sid: 1, portal, tpgt: 1, target });

describe('planIscsiLogin: which iscsiadm commands run', () => {
  test.each([
    ['session up on the first portal: nothing', [session('192.168.1.10:3260')], []],
    ['session up on the second portal: nothing', [session('192.168.2.10:3260')], []],
    ['no session: log in on each configured portal in order, each pinned with -p', [], [
      ['iscsiadm', '-m', 'node', '-T', QNAP, '-p', '192.168.1.10:3260', '--login'],
      ['iscsiadm', '-m', 'node', '-T', QNAP, '-p', '192.168.2.10:3260', '--login']]],
    ['session to another target on our portal does not count', [session('192.168.1.10:3260', OTHER)], [
      ['iscsiadm', '-m', 'node', '-T', QNAP, '-p', '192.168.1.10:3260', '--login'],
      ['iscsiadm', '-m', 'node', '-T', QNAP, '-p', '192.168.2.10:3260', '--login']]],
    ['session to our target on a portal not configured does not count', [session('192.168.9.9:3260')], [
      ['iscsiadm', '-m', 'node', '-T', QNAP, '-p', '192.168.1.10:3260', '--login'],
      ['iscsiadm', '-m', 'node', '-T', QNAP, '-p', '192.168.2.10:3260', '--login']]],
  ])('%s', (_name, sessions, argvs) => {
    expect(planIscsiLogin(sessions, cfg)).toEqual(argvs);
  });

  test('loggedInPortal names the configured portal that is up', () => {
    expect(loggedInPortal([session('192.168.2.10:3260')], cfg)).toBe('192.168.2.10:3260');
    expect(loggedInPortal([], cfg)).toBeUndefined();
  });
});

test.each([
  ['192.168.1.10:3260', 0, `/dev/disk/by-path/ip-192.168.1.10:3260-iscsi-${QNAP}-lun-0`],
  ['10.0.2.100:3260', 1, `/dev/disk/by-path/ip-10.0.2.100:3260-iscsi-${QNAP}-lun-1`],
])('byPathDevice(%s, lun %i) is the udev link', (portal, lun, dev) => {
  expect(byPathDevice(portal, QNAP, lun)).toBe(dev);
});
