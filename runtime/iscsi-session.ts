/**
 * Pure parser of `iscsiadm -m session` output and the login decision. Kept apart from
 * iscsi.ts so the rule "log in on exactly the configured portal, only when no session to
 * that target and portal is up" is readable and tested without an initiator.
 */

export interface IscsiSession {
  transport: string;
  sid: number;
  /** ADDR:PORT as iscsiadm prints it; IPv6 in brackets. */
  portal: string;
  tpgt: number;
  target: string;
}

/** iscsiadm's exit code for "No active sessions" (ISCSI_ERR_NO_OBJS_FOUND). */
export const ISCSIADM_NO_OBJS_FOUND = 21;

/** `tcp: [3] 192.168.1.10:3260,1 iqn.2004-04.com.qnap:ts-569pro:iscsi.backup.d70ea1 (non-flash)` */
const SESSION_LINE = /^(\S+): \[(\d+)\] (\[[0-9A-Fa-f:.]+\]:\d+|[^\s,]+:\d+),(-?\d+) (\S+)(?: \(.*\))?\s*$/;

export function parseIscsiSessions(text: string): IscsiSession[] {
  const out: IscsiSession[] = [];
  for (const line of text.split('\n')) {
    const m = SESSION_LINE.exec(line.trim());
    if (!m) continue;
    out.push({ transport: m[1]!, sid: Number(m[2]), portal: m[3]!, tpgt: Number(m[4]), target: m[5]! });
  }
  return out;
}

export interface IscsiTarget {
  portals: string[];
  target: string;
  lun: number;
}

/** The configured portal that already has a session to the target, if any. */
export function loggedInPortal(sessions: readonly IscsiSession[], t: IscsiTarget): string | undefined {
  return t.portals.find((p) => sessions.some((s) => s.target === t.target && samePortal(s.portal, p)));
}

/** Host names and addresses compare case-insensitively; everything else must be exact. */
function samePortal(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** argv to log in on one portal; `-p` pins the portal so iscsiadm does not try others. */
export function loginArgv(target: string, portal: string): string[] {
  return ['iscsiadm', '-m', 'node', '-T', target, '-p', portal, '--login'];
}

/** The logins to try, in order, or none when a session is already up. */
export function planIscsiLogin(sessions: readonly IscsiSession[], t: IscsiTarget): string[][] {
  if (loggedInPortal(sessions, t) !== undefined) return [];
  return t.portals.map((p) => loginArgv(t.target, p));
}

/** The udev by-path link the LUN gets once the session is up. */
export function byPathDevice(portal: string, target: string, lun: number): string {
  return `/dev/disk/by-path/ip-${portal}-iscsi-${target}-lun-${lun}`;
}
