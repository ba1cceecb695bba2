/**
 * New CHAP settings that the live session has not logged in with yet. apply writes the node
 * record first and logs out and in again after; when that second step is refused (the
 * backup disk is busy, a foreign mount) the record already matches the inventory, so the
 * next plan would see nothing to do while the session still runs on the old credentials.
 * The node resource therefore notes `TARGET PORTAL SID BOOT_ID` on the host before it
 * changes the credentials, and the session resource clears it after a login. A note
 * counts only while that very session (same sid, same boot) is still the live one: any
 * later login (the runtime's, the boot's, the admin's) read the new record.
 */
import type { IscsiSession } from '../../runtime/iscsi-session.ts';
import { samePortal } from './spec.ts';

export const RELOGIN_PENDING_FILE = '/var/lib/linkdest/iscsi-relogin-pending';

export interface PendingRelogin {
  target: string;
  portal: string;
  sid: number;
  boot: string;
}

export function parsePendingRelogins(text: string): PendingRelogin[] {
  const out: PendingRelogin[] = [];
  for (const line of text.split('\n')) {
    const [target, portal, sid, boot, ...rest] = line.trim().split(/\s+/);
    if (!target || !portal || !sid || !/^\d+$/.test(sid) || !boot || rest.length > 0) continue;
    out.push({ target, portal, sid: Number(sid), boot });
  }
  return out;
}

/** Is `session` (the live one on `portal`) still running on credentials older than the record? */
export function reloginPending(pending: readonly PendingRelogin[], session: IscsiSession, bootId: string | undefined): boolean {
  return bootId !== undefined && pending.some((p) =>
    p.target === session.target && samePortal(p.portal, session.portal) && p.sid === session.sid && p.boot === bootId);
}

/** `$1` the file, `$2..$5` target portal sid boot: appends the note once. */
export const NOTE_RELOGIN_SCRIPT = [
  'f=$1; shift',
  'mkdir -p -- "${f%/*}" || exit 1',
  'line="$1 $2 $3 $4"',
  'grep -qxF -- "$line" "$f" 2>/dev/null || printf \'%s\\n\' "$line" >> "$f"',
].join('\n');

/** `$1` the file, `$2` the target: drops every note of that target (atomically, by rename). */
export const CLEAR_RELOGIN_SCRIPT = [
  '[ -f "$1" ] || exit 0',
  't=$2 awk \'$1 != ENVIRON["t"]\' "$1" > "$1.tmp" && mv -f -- "$1.tmp" "$1"',
  '[ -s "$1" ] || rm -f -- "$1"',
].join('\n');
