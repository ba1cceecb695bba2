/**
 * Unified diff of one file change, as `plan` shows it. Both sides are masked again here
 * (see mask.ts) even though resources mask secrets themselves: a diff is the place a
 * secret would leak to a terminal or a CI log.
 */
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import type { FileDiff } from '../resources/resource.ts';
import { maskSecrets } from './mask.ts';

const ABSENT = '/dev/null';

/** `---`/`+++` headers and hunks; '' when the (masked) contents are equal. */
export function unifiedDiff(d: FileDiff, context = 3): string {
  const before = d.before === undefined ? '' : maskSecrets(d.before);
  const after = d.after === undefined ? '' : maskSecrets(d.after);
  if (before === after && (d.before === undefined) === (d.after === undefined)) return '';
  const patch = structuredPatch(
    d.before === undefined ? ABSENT : d.path,
    d.after === undefined ? ABSENT : d.path,
    before,
    after,
    undefined,
    undefined,
    { context },
  );
  return formatPatch(patch, FILE_HEADERS_ONLY).replace(/\n+$/, '');
}
