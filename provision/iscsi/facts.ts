/**
 * iSCSI facts of one host, gathered in one round trip: the tools present, the initiator
 * name, the iscsid/open-iscsi units, every node record (and the settings of the records of
 * the configured target, passwords replaced by their sha256 on the host), live sessions,
 * and which /dev/disk/by-path links of the LUN exist. A constant script: the target, LUN
 * and portals arrive as positional parameters and are only expanded inside double quotes.
 */
import { randomBytes } from 'node:crypto';
import { LinkdestError } from '../../runtime/errors.ts';
import { parseIscsiSessions, type IscsiSession } from '../../runtime/iscsi-session.ts';
import { formatPortal } from '../../inventory/iscsi.ts';
import { keyValueLines, splitSections } from '../facts/sections.ts';
import type { Transport } from '../transport/transport.ts';
import { parseNodeRecord, type NodeRecord } from './node-records.ts';
import { parsePortalLine } from './parse-sendtargets.ts';
import { parsePendingRelogins, RELOGIN_PENDING_FILE, type PendingRelogin } from './relogin-pending.ts';

export interface IscsiQuery {
  target: string;
  lun: number;
  /** ADDR:PORT as formatPortal writes them. */
  portals: string[];
}

export interface IscsiUnit {
  /** systemd LoadState: loaded, not-found, masked. */
  load: string;
  /** UnitFileState: enabled, disabled, static, masked, '' when unknown. */
  enabled: string;
  /** ActiveState: active, inactive, failed... */
  active: string;
}

/** A SysV init script of open-iscsi: whether /etc/init.d/NAME exists, its rc links (rcS.d/K01iscsid). */
export interface SysvScript {
  present: boolean;
  links: string[];
}

export interface IscsiFacts {
  hostname: string;
  /** iscsiadm, iscsi-iname, iscsi-ls... -> path, when present. */
  commands: Record<string, string>;
  /** Content of /etc/iscsi/initiatorname.iscsi; undefined when the file is absent. */
  initiatorFile?: string;
  /** Its InitiatorName= value, when set. */
  initiatorName?: string;
  units: Record<string, IscsiUnit>;
  /** Every node record on the host: ADDR:PORT, tpgt, target. */
  records: { portal: string; tpgt: number; target: string }[];
  /** Settings of the records of the queried target, by ADDR:PORT. */
  settings: Record<string, NodeRecord>;
  sessions: IscsiSession[];
  /** /dev/disk/by-path links of the queried LUN that exist, one per portal at most. */
  byPath: string[];
  /** The kernel's boot id: a session id means one session only within one boot. */
  bootId?: string;
  /** CHAP changes an earlier apply wrote but could not log in with (relogin-pending.ts). */
  reloginPending?: PendingRelogin[];
  /** Hosts without systemd (boot-services.ts): iscsid and open-iscsi SysV scripts by name. */
  sysvScripts?: Record<string, SysvScript>;
  /** OpenRC runlevels holding iscsid (/etc/runlevels/NAME/iscsid). */
  openrcRunlevels?: string[];
  /** OpenRC is the running init (/run/openrc exists). */
  openrcRunning?: boolean;
  /** Raw AUTOSTARTTARGETS value in /etc/conf.d/iscsid (last assignment); undefined when unset. */
  openrcAutostart?: string;
  /** iscsid runs now: pidof, or /run/iscsid.pid names a live iscsid. */
  iscsidRunning?: boolean;
}

/**
 * Exit 0 when iscsid runs: pidof, else the pid in its pidfile is an iscsid (a stale pidfile's
 * pid may belong to another process by now). Also run by apply right after a start.
 */
export const ISCSID_RUNNING_SH = 'pidof iscsid >/dev/null 2>&1 || { p=$(sed -n 1p /run/iscsid.pid 2>/dev/null) && [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = iscsid ]; }';

export const ISCSI_UNITS = ['iscsid.socket', 'iscsid.service', 'open-iscsi.service', 'iscsi.service'];

export const ISCSI_GATHER_SCRIPT = String.raw`set -u
nonce=$1 target=$2 lun=$3 pending=$4; shift 4
LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
sec() { printf '\n@@%s %s\n' "$nonce" "$*"; }
sec commands
for c in iscsiadm iscsi-iname iscsi-ls iscsi-readcapacity16 systemctl update-rc.d rc-update rc-service; do
  p=$(command -v "$c" 2>/dev/null) && printf '%s %s\n' "$c" "$p"
done
sec hostname
cat /proc/sys/kernel/hostname 2>/dev/null || hostname
sec initiator
if [ -f /etc/iscsi/initiatorname.iscsi ]; then echo present; cat /etc/iscsi/initiatorname.iscsi; fi
for u in ${ISCSI_UNITS.join(' ')}; do
  sec "unit $u"
  [ -d /run/systemd/system ] && systemctl show -p LoadState -p UnitFileState -p ActiveState -- "$u" 2>/dev/null
done
sec openrc
[ -d /run/openrc ] && echo running
for s in iscsid open-iscsi; do
  sec "sysv $s"
  [ -f "/etc/init.d/$s" ] && echo script
  for l in /etc/rc?.d/[SK][0-9][0-9]"$s"; do
    { [ -L "$l" ] || [ -e "$l" ]; } && printf 'link %s\n' "\${l#/etc/}"
  done
done
sec runlevels
for l in /etc/runlevels/*/iscsid; do
  { [ -L "$l" ] || [ -e "$l" ]; } || continue
  l=\${l%/iscsid}
  printf '%s\n' "\${l##*/}"
done
sec autostart
[ -f /etc/conf.d/iscsid ] && sed -n 's/^[[:space:]]*AUTOSTARTTARGETS=//p' /etc/conf.d/iscsid | tail -n 1
sec iscsid
{ ${ISCSID_RUNNING_SH}; } && echo running
command -v iscsiadm >/dev/null 2>&1 || { sec end; exit 0; }
hashed() {
  while IFS= read -r line; do
    case $line in
      *password*' = <empty>') printf '%s\n' "$line" ;;
      *password*' = '*)
        printf '%s.sha256 = %s\n' "\${line%% = *}" "$(printf '%s' "\${line#* = }" | sha256sum | cut -d ' ' -f 1)" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}
sec records
records=$(iscsiadm -m node 2>/dev/null)
printf '%s\n' "$records"
printf '%s\n' "$records" | while IFS= read -r rec; do
  [ "\${rec#* }" = "$target" ] || continue
  portal=\${rec%%,*}
  sec "settings $portal"
  iscsiadm -m node -T "$target" -p "$portal" -o show -S 2>/dev/null | hashed
done
sec sessions
iscsiadm -m session 2>/dev/null
sec boot
cat /proc/sys/kernel/random/boot_id 2>/dev/null
sec relogin
cat -- "$pending" 2>/dev/null
sec bypath
for p in "$@"; do
  l="/dev/disk/by-path/ip-$p-iscsi-$target-lun-$lun"
  [ -e "$l" ] && printf '%s\n' "$l"
done
sec end
exit 0
`.replaceAll('\\${', '${');

export function parseIscsiGather(output: string, nonce: string): IscsiFacts {
  const sections = splitSections(output, nonce);
  if (!sections.some((s) => s.kind === 'end')) throw new Error('the iSCSI fact script did not finish');
  const body = (kind: string, arg = ''): string => sections.find((s) => s.kind === kind && s.arg === arg)?.body ?? '';
  const commands = Object.fromEntries(keyValueLines(body('commands')));
  const initiator = body('initiator');
  const initiatorFile = initiator.startsWith('present') ? initiator.replace(/^present\n?/, '') : undefined;
  const name = initiatorFile && /^\s*InitiatorName=(\S+)\s*$/m.exec(initiatorFile)?.[1];
  const units: Record<string, IscsiUnit> = {};
  for (const s of sections.filter((x) => x.kind === 'unit')) {
    const kv = new Map(s.body.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    units[s.arg] = { load: kv.get('LoadState') ?? 'not-found', enabled: kv.get('UnitFileState') ?? '', active: kv.get('ActiveState') ?? 'inactive' };
  }
  const records: IscsiFacts['records'] = [];
  for (const line of body('records').split('\n')) {
    const r = parsePortalLine(line);
    if (r) records.push({ portal: formatPortal(r.portal), tpgt: r.portal.tpgt, target: r.target });
  }
  const settings: Record<string, NodeRecord> = {};
  for (const s of sections.filter((x) => x.kind === 'settings')) settings[s.arg] = parseNodeRecord(s.body);
  const bootId = body('boot').trim();
  const sysvScripts: Record<string, SysvScript> = {};
  for (const s of sections.filter((x) => x.kind === 'sysv')) {
    const lines = s.body.split('\n');
    sysvScripts[s.arg] = { present: lines.includes('script'), links: lines.filter((l) => l.startsWith('link ')).map((l) => l.slice(5)) };
  }
  const autostart = sections.find((s) => s.kind === 'autostart')?.body.split('\n').filter(Boolean).pop();
  return {
    hostname: body('hostname').trim(),
    commands,
    ...(initiatorFile !== undefined ? { initiatorFile } : {}),
    ...(name ? { initiatorName: name } : {}),
    units,
    records,
    settings,
    sessions: parseIscsiSessions(body('sessions')),
    byPath: body('bypath').split('\n').filter(Boolean),
    ...(bootId ? { bootId } : {}),
    reloginPending: parsePendingRelogins(body('relogin')),
    sysvScripts,
    openrcRunlevels: body('runlevels').split('\n').filter(Boolean),
    openrcRunning: body('openrc').trim() === 'running',
    ...(autostart !== undefined ? { openrcAutostart: autostart } : {}),
    iscsidRunning: body('iscsid').trim() === 'running',
  };
}

export async function gatherIscsiFacts(transport: Transport, query: IscsiQuery): Promise<IscsiFacts> {
  const nonce = randomBytes(12).toString('hex');
  const r = await transport.run(
    ['sh', '-c', ISCSI_GATHER_SCRIPT, 'linkdest-iscsi-facts', nonce, query.target, String(query.lun), RELOGIN_PENDING_FILE, ...query.portals],
    { timeoutMs: 60_000 },
  );
  try {
    return parseIscsiGather(r.stdout, nonce);
  } catch (e) {
    throw new LinkdestError(`cannot read iSCSI facts: ${(e as Error).message}`, { host: transport.name, step: 'facts', cause: e });
  }
}
