/** iscsiadm / libiscsi failures -> one line saying what to do (outputs as the tools print them). */
import { describe, expect, test } from 'vitest';
import { chapProblem, explainIscsiFailure } from '../../../provision/iscsi/explain.ts';

const ctx = { host: 'marte', portal: '10.0.0.5:3260', target: 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1', initiator: 'iqn.2004-10.com.linkdest:marte' };
const NOISE = 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\nFailed to connect to bus: Host is down\niscsiadm: can not connect to iSCSI daemon (111)!\n';

test.each([
  { name: 'iscsiadm missing', code: 127, out: 'sh: 1: iscsiadm: not found', extra: {}, want: /^iscsiadm is not installed on marte: install open-iscsi \(apt install open-iscsi\)$/ },
  { name: 'connection refused', code: 11, out: `${NOISE}iscsiadm: cannot make connection to 10.0.0.5: Connection refused\niscsiadm: Could not perform SendTargets discovery: iSCSI PDU timed out`, extra: {}, want: /^10\.0\.0\.5:3260 refused the connection from marte/ },
  { name: 'no route', code: 4, out: 'iscsiadm: cannot make connection to 10.0.0.5: No route to host', extra: {}, want: /unreachable from marte \(no route\)/ },
  { name: 'timeout', code: 8, out: 'iscsiadm: connect to 10.0.0.5 timed out', extra: {}, want: /did not answer from marte \(timeout\)/ },
  { name: 'no targets', code: 21, out: `${NOISE}iscsiadm: No portals found`, extra: {}, want: /offers no targets to initiator iqn\.2004-10\.com\.linkdest:marte: on the NAS create a target/ },
  { name: 'iscsid down (Debian without the socket)', code: 20, out: `${NOISE}iscsiadm: Cannot perform discovery. Initiatorname required.\niscsiadm: Could not perform SendTargets discovery: could not connect to iscsid`, extra: {}, want: /^iscsid is not running on marte: start it/ },
  { name: 'CHAP required (no credentials given)', code: 10, out: 'list_luns: iscsi_connect failed. Failed to log in to target. Status: Authentication failure(513)', extra: { chapGiven: false, chapAdvice: '--chap-user and --chap-password-file' }, want: /^10\.0\.0\.5:3260 requires CHAP for target iqn\..*: give the target's CHAP user and password \(--chap-user and --chap-password-file\)$/ },
  { name: 'CHAP wrong (credentials given)', code: 24, out: 'iscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)', extra: { chapGiven: true }, want: /rejected the CHAP user\/password for target iqn\./ },
  { name: 'kernel without iscsi_tcp', code: 12, out: 'iscsiadm: Could not login to [iface: default, target: x, portal: 10.0.0.5,3260].\niscsiadm: initiator reported error (12 - iSCSI driver not found. Please make sure it is loaded, and retry the operation)', extra: {}, want: /kernel has no iSCSI initiator \(module iscsi_tcp\)/ },
  { name: 'tgt-like refusal after connect', code: 11, out: 'iscsiadm: Connection to Discovery Address 10.0.0.5 failed\niscsiadm: Login I/O error, failed to receive a PDU\niscsiadm: Could not perform SendTargets discovery: iSCSI PDU timed out', extra: {}, want: /accepted the connection but ended the iSCSI login/ },
  { name: 'unknown: last meaningful line kept', code: 6, out: `${NOISE}iscsiadm: some new failure`, extra: {}, want: /^iSCSI on 10\.0\.0\.5:3260 failed from marte \(exit 6\): iscsiadm: some new failure$/ },
])('$name', ({ code, out, extra, want }) => {
  const line = explainIscsiFailure(code, out, { ...ctx, ...extra });
  expect(line).toMatch(want);
  expect(line).not.toContain('\n');
});

describe('chapProblem: what the wizard and discover tell apart', () => {
  test.each([
    { code: 24, out: 'iscsiadm: Login failed to authenticate with target', given: false, want: 'required' },
    { code: 24, out: 'iscsiadm: Login failed to authenticate with target', given: true, want: 'rejected' },
    { code: 1, out: 'iscsi_login failed: Failed to log in to target. Status: Authentication failure(513)', given: false, want: 'required' },
    { code: 1, out: 'Failed to connect to 10.0.0.1:3260: Connection refused', given: false, want: undefined },
    { code: 21, out: 'iscsiadm: No portals found', given: true, want: undefined },
  ])('$out (CHAP given: $given) -> $want', ({ code, out, given, want }) => {
    expect(chapProblem(code, out, given)).toBe(want);
  });
});
