/**
 * "did you mean": the keys a zod schema allows at a path, and the closest one to a typo.
 */
import type { z } from 'zod';

interface Def { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; valueType?: z.ZodType }

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** Schemas reachable at `path`, looking through optional/default/pipe/union wrappers. */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current = [schema];
  const unwrap = (s: z.ZodType): z.ZodType[] => {
    const d = def(s);
    if (d.innerType) return unwrap(d.innerType);
    if (d.type === 'pipe') return [...unwrap(d.in!), ...unwrap(d.out!)];
    if (d.type === 'union') return d.options!.flatMap(unwrap);
    return [s];
  };
  for (const seg of path) {
    current = current.flatMap(unwrap).flatMap((s) => {
      const d = def(s);
      if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) return [d.shape[seg]];
      if (d.type === 'array' && typeof seg === 'number') return [d.element!];
      if (d.type === 'record' && d.valueType) return [d.valueType];
      return [];
    });
  }
  return current.flatMap(unwrap);
}

/** Keys an object schema at `path` accepts. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [...new Set(schemasAt(schema, path).flatMap((s) => Object.keys(def(s).shape ?? {})))];
}

/** Edit distance counting a swap of neighbours as one edit (mountpiont -> mountpoint). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate a typo most likely meant, if any is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestD) { best = c; bestD = dist; }
  }
  return bestD <= limit ? best : undefined;
}
