/**
 * Sources inside other sources (`/srv` and `/srv/data`, or `/` and `/home`). Each source is
 * copied to its own path in the snapshot (layout.ts), so an inner source lands inside the
 * outer one's copy. What that means, in one rule: the inner source owns its subtree.
 *
 * - The outer source's copy holds the inner source's directory but none of its contents:
 *   its rsync gets `--include=/REL` then `--exclude=/REL/*` (REL = the inner path relative
 *   to the outer), and its pre-link walk does not descend there.
 * - The inner source is copied after the outer one (outer sources first), into that
 *   directory, with its own excludes and one_file_system; it sets the directory's own
 *   attributes, which are the same directory's as the outer saw.
 * - So the result is what these bare rsyncs give, in that order:
 *   `rsync ... --include=/REL --exclude=/REL/* OUTER/ NEW/OUTER/`, then `rsync ... INNER/ NEW/INNER/`.
 * - Two sources that land on the same path (`/srv` twice, or `nas:/x` and `/nas/x`) are a
 *   config error (runtime/config.ts).
 */
import { sourceSubdir } from './layout.ts';

/** rsync pattern matching the literal path `p` (wildcards escaped; a backslash only escapes when a wildcard is present). */
export function literalPattern(p: string): string {
  return /[*?[]/.test(p) ? p.replace(/[*?[\\]/g, '\\$&') : p;
}

const inside = (outer: string, inner: string): boolean => outer === '' ? inner !== '' : inner.startsWith(`${outer}/`);

/** Indices of the configured sources in copy order: every outer source before the sources inside it. */
export function copyOrder(sources: readonly string[]): number[] {
  const depth = sources.map((s) => { const d = sourceSubdir(s); return d === '' ? 0 : d.split('/').length; });
  return sources.map((_, i) => i).sort((a, b) => depth[a]! - depth[b]! || a - b);
}

/** Paths of the other sources that lie inside source `i`, relative to it (`data`, `a/b`). */
export function innerSources(sources: readonly string[], i: number): string[] {
  const outer = sourceSubdir(sources[i]!);
  return sources.map((s) => sourceSubdir(s)).filter((d) => inside(outer, d)).map((d) => (outer === '' ? d : d.slice(outer.length + 1)));
}

/** rsync filter arguments for an outer source: keep each inner directory, leave its contents to the inner source. */
export function innerSourceFilters(inner: readonly string[]): string[] {
  return inner.flatMap((rel) => [`--include=/${literalPattern(rel)}`, `--exclude=/${literalPattern(rel)}/*`]);
}

/** A one-line reason when two sources land on the same path in the snapshot. */
export function sameDestination(sources: readonly string[]): string | undefined {
  const seen = new Map<string, number>();
  for (const [i, s] of sources.entries()) {
    let d: string;
    try { d = sourceSubdir(s); } catch (e) { return (e as Error).message; }
    const j = seen.get(d);
    if (j !== undefined) return `sources[${j}] ${sources[j]} and sources[${i}] ${s} would be copied to the same place in the snapshot (${d || '/'})`;
    seen.set(d, i);
  }
  return undefined;
}
