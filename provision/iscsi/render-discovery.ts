/**
 * `linkdest discover iscsi` output: per target its readable name (QNAP model and target
 * name), every portal, the LUNs with sizes or why they are not listed, then the inventory
 * lines that select a disk LUN. JSON: the DiscoveryResult as is.
 */
import { formatBytes } from '../../runtime/size.ts';
import { formatPortal } from '../../inventory/iscsi.ts';
import type { DiscoveredLun, DiscoveryResult, DiscoveryTarget } from './discover.ts';
import { describeIqnLine } from './qnap-iqn.ts';

function lunLine(l: DiscoveredLun): string {
  const size = l.bytes === undefined ? '' : `, ${l.exact ? '' : 'about '}${formatBytes(l.bytes)}`;
  const kind = l.type === 'DIRECT_ACCESS' ? 'disk' : l.type.toLowerCase().replaceAll('_', ' ');
  return `LUN ${l.lun}: ${kind}${size}`;
}

function targetBlock(t: DiscoveryTarget): string[] {
  const lines = [t.target, `  ${describeIqnLine(t.target)}`];
  lines.push(`  portals: ${t.portals.map((p) => `${formatPortal(p)} (group ${p.tpgt})`).join(', ')}`);
  if (t.luns !== undefined) {
    if (t.luns.length === 0) lines.push('  no LUNs');
    for (const l of t.luns) lines.push(`  ${lunLine(l)}`);
  }
  if (t.problem !== undefined) lines.push(`  ${t.problem}`);
  return lines.map((l) => `  ${l}`);
}

/** The inventory snippet for the first disk LUN of the first target that has one. */
function suggestion(r: DiscoveryResult): string[] {
  const t = r.targets.find((x) => x.luns?.some((l) => l.type === 'DIRECT_ACCESS'));
  const lun = t?.luns?.find((l) => l.type === 'DIRECT_ACCESS');
  if (!t || !lun) return [];
  return [
    '',
    'In linkdest.yml, under the host:',
    '  disk:',
    '    iscsi:',
    `      portal: "${r.portal}"`,
    `      target: "${t.target}"`,
    `      lun: ${lun.lun}`,
  ];
}

export function formatDiscovery(r: DiscoveryResult): string {
  const n = r.targets.length;
  const head = `${r.portal} seen from ${r.host} (initiator ${r.initiator}): ${n} target${n === 1 ? '' : 's'}`;
  const blocks = r.targets.flatMap((t) => ['', ...targetBlock(t)]);
  return `${[head, ...blocks, ...suggestion(r)].join('\n')}\n`;
}

export function discoveryJson(r: DiscoveryResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
