/**
 * The wizard's view of iSCSI discovery: the same discovery as `linkdest discover iscsi`
 * (provision/iscsi/discover.ts, run FROM the backup host, read-only), reduced to what the
 * target question shows: targets in a stable order (a NAS answers in any order), LUNs
 * with sizes, and what CHAP says. Run again with CHAP credentials, it is also the check
 * that the NAS accepts them, before anything is written.
 */
import type { Transport } from '../transport/transport.ts';
import { parsePortal } from '../../inventory/iscsi.ts';
import { discoverIscsi, type DiscoveryTarget } from '../iscsi/discover.ts';

export interface FoundLun { lun: number; bytes?: number }

export interface FoundTarget {
  target: string;
  portal: string;
  luns: FoundLun[];
  /** The NAS refused to list its LUNs without CHAP (or with the CHAP given). */
  needsChap: boolean;
  /** The CHAP user/password given were refused. */
  chapRejected?: boolean;
  /** Why the LUNs are not known (login refused, tool missing), one line. */
  note?: string;
}

export interface ChapCredentials { user: string; password: string }

export type IscsiDiscover = (portal: string, chap?: ChapCredentials) => Promise<FoundTarget[]>;

export function foundTarget(x: DiscoveryTarget, portal: string): FoundTarget {
  const problem = x.problem;
  return {
    target: x.target,
    portal,
    luns: (x.luns ?? []).filter((l) => l.type === 'DIRECT_ACCESS').map((l) => ({ lun: l.lun, ...(l.bytes !== undefined && { bytes: l.bytes }) })),
    needsChap: x.chap !== undefined,
    ...(x.chap === 'rejected' && { chapRejected: true }),
    ...(problem !== undefined && { note: problem }),
  };
}

export function transportDiscovery(t: Transport): IscsiDiscover {
  return async (portalText, chap) => {
    const p = parsePortal(portalText);
    if (typeof p === 'string') throw new Error(p);
    const advice = chap ? 'then enter them again' : 'asked next';
    const found = await discoverIscsi(t, p, { chapAdvice: advice, ...(chap && { chap }) });
    return found.targets.map((x) => foundTarget(x, found.portal)).sort((a, b) => a.target.localeCompare(b.target));
  };
}
