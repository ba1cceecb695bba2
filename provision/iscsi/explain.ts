/**
 * iscsiadm and libiscsi failures as one line that says what to do. Pure: the caller
 * passes the exit code and output; the wording names the portal, target and host.
 * Exit codes are open-iscsi's ISCSI_ERR_* values.
 */

export interface FailureContext {
  host: string;
  portal: string;
  target?: string;
  /** The initiator name the NAS sees, for "allow this initiator" advice. */
  initiator?: string;
  /** Whether CHAP credentials were offered: tells "CHAP required" from "CHAP wrong". */
  chapGiven?: boolean;
  /** Where the user puts CHAP credentials, e.g. "--chap-user and --chap-password-file". */
  chapAdvice?: string;
}

const CODE = { transTimeout: 8, pduTimeout: 11, transNotFound: 12, iscsidComm: 18, iscsidNotConn: 20, noObjs: 21, authFailed: 24 } as const;

/** Lines iscsiadm prints when it cannot ask systemd or iscsid; noise for the user. */
const NOISE = /System has not been booted with systemd|Failed to connect to bus|can not connect to iSCSI daemon \(111\)|retrying discovery login/;

const AUTH_FAILED = /Authentication failure|authoriz(ation|e) fail|auth(entication)? failed/i;

/** Whether a refused login was about CHAP: 'required' (none given) or 'rejected' (given, wrong). */
export function chapProblem(code: number, output: string, chapGiven: boolean): 'required' | 'rejected' | undefined {
  if (code !== CODE.authFailed && !AUTH_FAILED.test(output)) return undefined;
  return chapGiven ? 'rejected' : 'required';
}

export function explainIscsiFailure(code: number, rawOutput: string, ctx: FailureContext): string {
  const output = rawOutput.split('\n').filter((l) => !NOISE.test(l)).join('\n');
  const iscsidDown = /can not connect to iSCSI daemon/.test(rawOutput);
  const who = ctx.initiator ? `initiator ${ctx.initiator}` : 'this host\'s initiator';
  const target = ctx.target ? `target ${ctx.target}` : 'the target';
  if (code === 127 || /iscsiadm: (command )?not found|No such file or directory.*iscsiadm/.test(output)) {
    return `iscsiadm is not installed on ${ctx.host}: install open-iscsi (apt install open-iscsi)`;
  }
  if (code === CODE.authFailed || AUTH_FAILED.test(output)) {
    const advice = ctx.chapAdvice ?? 'disk.iscsi.chap in the inventory';
    if (ctx.chapGiven === false) return `${ctx.portal} requires CHAP for ${target}: give the target's CHAP user and password (${advice})`;
    if (ctx.chapGiven === true) return `${ctx.portal} rejected the CHAP user/password for ${target}: check them against the target's CHAP settings on the NAS (${advice})`;
    return `${ctx.portal} rejected the login to ${target}: CHAP is required or the CHAP user/password is wrong (${advice})`;
  }
  if (/Connection refused/i.test(output)) {
    return `${ctx.portal} refused the connection from ${ctx.host}: check the address and port, and that the iSCSI service is enabled on the NAS`;
  }
  if (/No route to host|Network is unreachable|Host is unreachable/i.test(output)) {
    return `${ctx.portal} is unreachable from ${ctx.host} (no route): check the address and ${ctx.host}'s network`;
  }
  if (/No portals found/i.test(output) || (code === CODE.noObjs && /discovery/i.test(output))) {
    return `${ctx.portal} offers no targets to ${who}: on the NAS create a target with a LUN and allow this initiator`;
  }
  if (code === CODE.transNotFound || /iSCSI driver not found|transport.*not (found|loaded)/i.test(output)) {
    return `${ctx.host}'s kernel has no iSCSI initiator (module iscsi_tcp): load it (modprobe iscsi_tcp) or install the distribution kernel`;
  }
  if (code === CODE.iscsidNotConn || code === CODE.iscsidComm || /could not connect to iscsid|Initiatorname required/i.test(output) || (iscsidDown && output.trim() === '')) {
    return `iscsid is not running on ${ctx.host}: start it (systemctl start iscsid); linkdest apply enables it`;
  }
  if (/failed to receive a PDU|Connection to Discovery Address .* failed/i.test(output)) {
    return `${ctx.portal} accepted the connection but ended the iSCSI login: check that it is an iSCSI portal and that the NAS allows ${who}`;
  }
  if (code === CODE.transTimeout || code === CODE.pduTimeout || /timed? ?out/i.test(output)) {
    return `${ctx.portal} did not answer from ${ctx.host} (timeout): check the address, the NAS, and firewalls on the way`;
  }
  const last = output.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop();
  return `iSCSI on ${ctx.portal} failed from ${ctx.host} (exit ${code})${last ? `: ${last}` : ''}`;
}
