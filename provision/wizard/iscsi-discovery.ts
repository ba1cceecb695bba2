/**
 * iSCSI discovery run FROM the backup host (the NAS must be reachable from there, not from
 * here), reading only: `iscsi-ls -s` (libiscsi) logs in by itself and lists LUNs with sizes;
 * without it, `iscsiadm -m discovery -o nonpersistent` lists targets without storing node
 * records. A target that refuses the login without CHAP is marked as needing it.
 */
import type { Transport } from '../transport/transport.ts';
import { formatPortal, parsePortal } from '../../inventory/iscsi.ts';
import { parseIscsiLs, diskLuns } from '../iscsi/parse-iscsi-ls.ts';
import { parseSendTargets } from '../iscsi/parse-sendtargets.ts';

export interface FoundLun { lun: number; bytes?: number }

export interface FoundTarget {
  target: string;
  portal: string;
  luns: FoundLun[];
  needsChap: boolean;
  /** Why the LUNs are not known (login refused, tool missing). */
  note?: string;
}

export type IscsiDiscover = (portal: string) => Promise<FoundTarget[]>;

const FALLBACK_INITIATOR = 'iqn.2005-03.org.open-iscsi:linkdest-init';

function initiatorName(text: string): string {
  return /^InitiatorName=(\S+)/m.exec(text)?.[1] ?? FALLBACK_INITIATOR;
}

const isAuthError = (line: string | undefined): boolean => line !== undefined && /auth|CHAP|513|login/i.test(line);

export function transportDiscovery(t: Transport): IscsiDiscover {
  return async (portalText) => {
    const p = parsePortal(portalText);
    if (typeof p === 'string') throw new Error(p);
    const portal = formatPortal(p);
    const has = async (cmd: string) => (await t.run(['sh', '-c', 'command -v "$1"', 'sh', cmd], { allowFailure: true })).code === 0;
    if (await has('iscsi-ls')) {
      const name = initiatorName((await t.getFile('/etc/iscsi/initiatorname.iscsi'))?.toString('utf8') ?? '');
      const r = await t.run(['iscsi-ls', '-s', '-i', name, `iscsi://${portal}`], { allowFailure: true, timeoutMs: 30_000 });
      const parsed = parseIscsiLs(`${r.stdout}\n${r.stderr}`);
      if (parsed.targets.length === 0 && r.code !== 0) throw new Error(`no answer from ${portal}: ${(parsed.errors[0] ?? r.stderr.trim()) || `iscsi-ls exited ${r.code}`}`);
      return parsed.targets.map((x) => ({
        target: x.target, portal,
        luns: diskLuns(x).map((l) => ({ lun: l.lun, ...(l.approxBytes !== undefined && { bytes: l.approxBytes }) })),
        needsChap: isAuthError(x.error),
        ...(x.error !== undefined && { note: x.error }),
      }));
    }
    if (await has('iscsiadm')) {
      const r = await t.run(['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', portal, '-o', 'nonpersistent'], { allowFailure: true, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`discovery at ${portal} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
      return parseSendTargets(r.stdout).map((x) => ({ target: x.target, portal, luns: [], needsChap: false, note: 'LUNs unknown: install libiscsi-bin (iscsi-ls) to list them' }));
    }
    throw new Error('neither iscsi-ls (libiscsi-bin) nor iscsiadm (open-iscsi) is installed on the host');
  };
}
