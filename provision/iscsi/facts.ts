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
}

export const ISCSI_UNITS = ['iscsid.socket', 'iscsid.service', 'open-iscsi.service', 'iscsi.service'];

export const ISCSI_GATHER_SCRIPT = String.raw`set -u
nonce=$1 target=$2 lun=$3 pending=$4; shift 4
LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
sec() { printf '\n@@%s %s\n' "$nonce" "$*"; }
sec commands
for c in iscsiadm iscsi-iname iscsi-ls iscsi-readcapacity16 systemctl; do
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
