/**
 * `--limit marte`, `--limit gentoo`, `--limit marte,nas-client`, `--limit all`: the hosts
 * a command acts on, in inventory order. A name that is neither a host nor a group is an
 * error listing the known names, so a typo never silently selects nothing.
 */
import { LinkdestError, EXIT } from '../runtime/errors.ts';
import type { HostSpec } from './host-spec.ts';
import { closest } from './suggest.ts';

export function selectHosts(hosts: readonly HostSpec[], limit?: string): HostSpec[] {
  if (limit === undefined || limit.trim() === '') return [...hosts];
  const names = limit.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const groups = [...new Set(hosts.flatMap((h) => h.groups))];
  const unknown = names.filter((n) => n !== 'all' && !hosts.some((h) => h.name === n) && !groups.includes(n));
  if (unknown.length > 0) {
    const known = [...hosts.map((h) => h.name), ...groups];
    const guess = unknown.length === 1 ? closest(unknown[0]!, known) : undefined;
    throw new LinkdestError(
      `--limit: unknown host or group ${unknown.map((n) => `"${n}"`).join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}; `
      + `hosts: ${hosts.map((h) => h.name).join(', ') || '(none)'}; groups: ${groups.join(', ') || '(none)'}`,
      { step: 'inventory', exitCode: EXIT.usage },
    );
  }
  const wanted = new Set(names);
  return hosts.filter((h) => wanted.has('all') || wanted.has(h.name) || h.groups.some((g) => wanted.has(g)));
}
