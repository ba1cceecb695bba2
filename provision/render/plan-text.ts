/**
 * The human form of one host's plan: each change on one line (a sign, what, which
 * resource), a unified diff under every file change, and a closing summary line
 * (`marte: 7 to change (3 create, 4 update)` or `marte: in sync`). Notes on choices the facts
 * made (`mount: static, because ...`) come first, unmarked.
 */
import type { Change, ChangeAction } from '../resources/resource.ts';
import { unifiedDiff } from './diff.ts';
import { maskSecrets } from './mask.ts';
import { printable } from './printable.ts';

const ACTIONS: readonly ChangeAction[] = ['create', 'update', 'delete', 'run'];
const SIGN: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', run: '>' };

export function countActions(changes: readonly Change[]): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { create: 0, update: 0, delete: 0, run: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

export function summaryLine(host: string, changes: readonly Change[]): string {
  if (changes.length === 0) return `${host}: in sync`;
  const counts = countActions(changes);
  const parts = ACTIONS.filter((a) => counts[a] > 0).map((a) => `${counts[a]} ${a}`);
  return `${host}: ${changes.length} to change (${parts.join(', ')})`;
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((l) => (l === '' ? l : prefix + l)).join('\n');
}

/** One change: `  + create ext4 filesystem ... [fs:/dev/loop3p1]` and its diff. */
export function formatChange(c: Change): string {
  const head = printable(`  ${SIGN[c.action]} ${maskSecrets(c.summary)} [${c.resource}]`);
  if (c.diff === undefined) return head;
  const diff = unifiedDiff(c.diff);
  return diff === '' ? head : `${head}\n${indent(printable(diff), '      ')}`;
}

/**
 * Notes (a choice the facts made, such as the mount kind) head the changes; an in-sync host
 * is one line, followed only by its status lines (the pull trust of each source host),
 * which are shown whether or not anything changes.
 */
export function formatHostPlan(host: string, changes: readonly Change[], notes: readonly string[] = [], status: readonly string[] = []): string {
  const shown = status.map((n) => printable(`  ${n}`));
  if (changes.length === 0) return [summaryLine(host, changes), ...shown].join('\n');
  return [`${host}:`, ...notes.map((n) => printable(`  ${n}`)), ...shown, ...changes.map(formatChange), summaryLine(host, changes)].join('\n');
}
