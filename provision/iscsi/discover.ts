/**
 * Discovery run FROM a backup host through its Transport, so the answer is what that host
 * (its network, its initiator name) will get: `iscsiadm -m discovery -t sendtargets
 * -o nonpersistent` lists targets and portals without writing node records; when
 * libiscsi-bin is installed, `iscsi-ls -s` logs in to each target itself (no kernel, no
 * session left behind) for LUN numbers, and `iscsi-readcapacity16 -s` for exact sizes.
 * CHAP credentials reach libiscsi through its environment, read from stdin on the host:
 * never in any argv.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import { formatPortal, type Portal } from '../../inventory/iscsi.ts';
import type { Transport } from '../transport/transport.ts';
import { chapProblem, explainIscsiFailure } from './explain.ts';
import { generatedInitiatorName, initiatorNameOf } from './initiator-name.ts';
import { parseIscsiLs, type ListedTarget } from './parse-iscsi-ls.ts';
import { parseSendTargets, type TargetPortal } from './parse-sendtargets.ts';
import { describeIqn, type IqnParts } from './qnap-iqn.ts';

export interface DiscoverOptions {
  /** open-iscsi iface to discover through (a dedicated NIC); default iface when absent. */
  iface?: string;
  chap?: { user: string; password: string };
  /** How the caller's user passes CHAP credentials, for the error text. */
  chapAdvice?: string;
}

export interface DiscoveredLun {
  lun: number;
  type: string;
  bytes?: number;
  /** False when only iscsi-ls's rounded-down size is known. */
  exact: boolean;
}

export interface DiscoveryTarget {
  target: string;
  parts: IqnParts;
  portals: TargetPortal[];
  /** Undefined when the LUNs could not be listed; `problem` says why. */
  luns?: DiscoveredLun[];
  problem?: string;
  /** The NAS refused the login for want of CHAP ('required') or the CHAP given ('rejected'). */
  chap?: 'required' | 'rejected';
}

export interface DiscoveryResult {
  host: string;
  portal: string;
  initiator: string;
  targets: DiscoveryTarget[];
}

const PROBE_SCRIPT = `for c in iscsiadm iscsi-ls iscsi-readcapacity16; do
  p=$(command -v "$c" 2>/dev/null) && printf 'command %s %s\\n' "$c" "$p"
done
printf 'hostname %s\\n' "$(cat /proc/sys/kernel/hostname 2>/dev/null)"
[ -r /etc/iscsi/initiatorname.iscsi ] && sed -n 's/^[[:space:]]*\\(InitiatorName=.*\\)$/\\1/p' /etc/iscsi/initiatorname.iscsi
exit 0`;

/** $1 tool, then its arguments; CHAP user and password on stdin lines 1 and 2 (both may be empty). */
const LIBISCSI_SCRIPT = `IFS= read -r u || u=
IFS= read -r p || p=
if [ -n "$u" ]; then
  LIBISCSI_CHAP_USERNAME=$u LIBISCSI_CHAP_PASSWORD=$p
  export LIBISCSI_CHAP_USERNAME LIBISCSI_CHAP_PASSWORD
fi
exec "$@"`;

export async function discoverIscsi(transport: Transport, portal: Portal, opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const host = transport.name;
  const where = formatPortal(portal);
  const probe = await transport.run(['sh', '-c', PROBE_SCRIPT], { timeoutMs: 30_000 });
  const commands = new Map<string, string>();
  let hostname = host;
  let initiator: string | undefined;
  for (const line of probe.stdout.split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'command' && a && b) commands.set(a, b);
    if (kind === 'hostname' && a) hostname = a;
    if (line.startsWith('InitiatorName=')) initiator = initiatorNameOf(line);
  }
  const name = initiator ?? generatedInitiatorName(hostname);
  const ctx = { host, portal: where, initiator: name, chapGiven: opts.chap !== undefined, chapAdvice: opts.chapAdvice ?? '--chap-user and --chap-password-file' };
  const fail = (message: string): LinkdestError => new LinkdestError(message, { host, step: 'discover' });
  if (!commands.has('iscsiadm')) throw fail(explainIscsiFailure(127, '', ctx));

  const argv = ['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', where, ...(opts.iface ? ['-I', opts.iface] : []), '-o', 'nonpersistent'];
  const st = await transport.run(argv, { allowFailure: true, timeoutMs: 180_000 });
  if (st.code !== 0) throw fail(explainIscsiFailure(st.code, `${st.stderr}\n${st.stdout}`, ctx));
  const found = parseSendTargets(st.stdout);
  if (found.length === 0) throw fail(explainIscsiFailure(21, 'No portals found', ctx));
  const targets: DiscoveryTarget[] = found.map((t) => ({ target: t.target, parts: describeIqn(t.target), portals: t.portals }));

  const ls = commands.get('iscsi-ls');
  if (ls === undefined) {
    for (const t of targets) t.problem = 'LUNs not listed: install libiscsi-bin on the host (apt install libiscsi-bin) to see LUN numbers and sizes';
    return { host, portal: where, initiator: name, targets };
  }
  const creds = opts.chap ? `${opts.chap.user}\n${opts.chap.password}\n` : '\n\n';
  const libiscsi = (tool: string, ...args: string[]) =>
    transport.run(['sh', '-c', LIBISCSI_SCRIPT, 'linkdest-libiscsi', tool, '-i', name, ...args], { stdin: creds, allowFailure: true, timeoutMs: 120_000 });
  const listing = await libiscsi(ls, '-s', `iscsi://${where}`);
  const parsed = parseIscsiLs(`${listing.stdout}\n${listing.stderr}`);
  attachListing(targets, parsed.targets, (t, line) => explainIscsiFailure(listing.code, line, { ...ctx, target: t }),
    (line) => chapProblem(listing.code, line, opts.chap !== undefined));
  const general = parsed.errors.length > 0 ? explainIscsiFailure(listing.code, parsed.errors.join('\n'), ctx) : undefined;
  for (const t of targets) {
    if (t.luns === undefined && t.problem === undefined) t.problem = general ?? 'LUNs not listed: iscsi-ls stops at the first target that refuses the login; list again with that target\'s CHAP credentials';
  }

  const readcap = commands.get('iscsi-readcapacity16');
  for (const t of targets) {
    for (const lun of t.luns ?? []) {
      if (readcap === undefined || lun.type !== 'DIRECT_ACCESS') continue;
      const r = await libiscsi(readcap, '-s', `iscsi://${where}/${t.target}/${lun.lun}`);
      const bytes = Number(r.stdout.trim());
      if (r.code === 0 && Number.isSafeInteger(bytes) && bytes > 0) Object.assign(lun, { bytes, exact: true });
    }
  }
  return { host, portal: where, initiator: name, targets };
}

function attachListing(
  targets: DiscoveryTarget[], listed: ListedTarget[],
  explain: (target: string, line: string) => string, chapOf: (line: string) => DiscoveryTarget['chap'],
): void {
  for (const l of listed) {
    const t = targets.find((x) => x.target === l.target);
    if (!t) continue;
    if (l.error !== undefined) {
      t.problem = explain(l.target, l.error);
      const chap = chapOf(l.error);
      if (chap !== undefined) t.chap = chap;
      continue;
    }
    t.luns = l.luns.map((x) => ({ lun: x.lun, type: x.type, ...(x.approxBytes !== undefined ? { bytes: x.approxBytes } : {}), exact: false }));
  }
}
