/**
 * Choosing a test bed's private /24: 10.234.Y.0/24 with Y free among live test beds and not
 * overlapping any route of this machine. Pure, so the rule is tested without root.
 */
export const SUBNET_PREFIX = '10.234';

function toInt(addr: string): number {
  return addr.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

/** Prefixes ("a.b.c.d/len") found in `ip -4 route show table all` or `ip -4 addr` output. */
export function routePrefixes(ipOutput: string): string[] {
  const out: string[] = [];
  for (const m of ipOutput.matchAll(/(?:^|\s)(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?(?=\s|$)/gm)) {
    out.push(`${m[1]}/${m[2] ?? '32'}`);
  }
  return out;
}

export function overlaps(a: string, b: string): boolean {
  const [aAddr = '', aLen = '32'] = a.split('/');
  const [bAddr = '', bLen = '32'] = b.split('/');
  const len = Math.min(Number(aLen), Number(bLen));
  if (len === 0) return false; // the default route covers everything and is not a collision
  const mask = len === 32 ? 0xffffffff : (~(0xffffffff >>> len)) >>> 0;
  return ((toInt(aAddr) & mask) >>> 0) === ((toInt(bAddr) & mask) >>> 0);
}

export function pickSubnet(taken: number[], prefixes: string[]): number {
  for (let y = 0; y < 256; y++) {
    if (taken.includes(y)) continue;
    if (prefixes.some((p) => overlaps(`${SUBNET_PREFIX}.${y}.0/24`, p))) continue;
    return y;
  }
  throw new Error(`testbed: no free ${SUBNET_PREFIX}.Y.0/24 left`);
}

export function hostAddress(y: number, index: number): string {
  return `${SUBNET_PREFIX}.${y}.${10 + index}`;
}

export function gatewayAddress(y: number): string {
  return `${SUBNET_PREFIX}.${y}.1`;
}
