/**
 * `iscsiadm -m discovery -t sendtargets` (and `iscsiadm -m node`) print one line per
 * portal of a target: `ADDR:PORT,TPGT IQN`, IPv6 in brackets (`[2001:db8::1]:3260,1`).
 * A NAS with several network ports answers with several lines for the same target;
 * they are grouped here, in the order the NAS gave them.
 */

export interface TargetPortal {
  address: string;
  port: number;
  /** Target portal group tag; -1 when iscsiadm does not know it. */
  tpgt: number;
}

export interface DiscoveredTarget {
  target: string;
  portals: TargetPortal[];
}

const LINE = /^(\[[0-9A-Fa-f:.%a-zA-Z]+\]|\S+?):(\d+),(-?\d+)\s+((?:iqn|eui|naa)\.\S+)$/;

/** One `ADDR:PORT,TPGT IQN` line, or undefined for anything else (warnings, blank lines). */
export function parsePortalLine(line: string): { target: string; portal: TargetPortal } | undefined {
  const m = LINE.exec(line.trim());
  if (!m) return undefined;
  const address = m[1]!.replace(/^\[(.*)\]$/, '$1');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { target: m[4]!, portal: { address, port, tpgt: Number(m[3]) } };
}

export function parseSendTargets(text: string): DiscoveredTarget[] {
  const byName = new Map<string, DiscoveredTarget>();
  for (const line of text.split('\n')) {
    const hit = parsePortalLine(line);
    if (!hit) continue;
    let t = byName.get(hit.target);
    if (!t) {
      t = { target: hit.target, portals: [] };
      byName.set(hit.target, t);
    }
    const p = hit.portal;
    if (!t.portals.some((q) => q.address === p.address && q.port === p.port && q.tpgt === p.tpgt)) t.portals.push(p);
  }
  return [...byName.values()];
}
