/**
 * The wizard's view of iSCSI discovery: the same discovery as `linkdest discover iscsi`
 * (provision/iscsi/discover.ts, run FROM the backup host, read-only), reduced to what the
 * target question shows: targets, LUNs with sizes, and whether CHAP is needed.
 */
import type { Transport } from '../transport/transport.ts';
import { parsePortal } from '../../inventory/iscsi.ts';
import { discoverIscsi } from '../iscsi/discover.ts';

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

export function transportDiscovery(t: Transport): IscsiDiscover {
  return async (portalText) => {
    const p = parsePortal(portalText);
    if (typeof p === 'string') throw new Error(p);
    const found = await discoverIscsi(t, p, { chapAdvice: 'the CHAP questions that follow' });
    return found.targets.map((x) => ({
      target: x.target,
      portal: found.portal,
      luns: (x.luns ?? []).filter((l) => l.type === 'DIRECT_ACCESS').map((l) => ({ lun: l.lun, ...(l.bytes !== undefined && { bytes: l.bytes }) })),
      needsChap: x.problem !== undefined && /CHAP/.test(x.problem) && !/install libiscsi/.test(x.problem),
      ...(x.problem !== undefined && { note: x.problem }),
    }));
  };
}
