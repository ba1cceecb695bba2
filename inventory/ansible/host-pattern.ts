/**
 * Host patterns as Ansible inventories write them (INI host lines and YAML `hosts:` keys):
 * `name`, `name:PORT`, `[v6addr]:PORT`, a bare IPv6 address, and ranges anywhere in a name:
 * `backup[01:20].example.net` (zero-padded when the start has a leading zero and both ends
 * are as long), `[a:f]` (letters, a-z then A-Z), `[1:10:3]` (a step), several ranges
 * multiply. Written from Ansible's "Adding ranges of hosts" documentation and checked
 * against `ansible-inventory` by test/unit/inventory/ansible-differential.test.ts.
 */

export interface HostPattern {
  hosts: string[];
  port?: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Ranges may not expand to more hosts than this (a typo like [1:9999999] stays an error). */
export const MAX_HOSTS_PER_PATTERN = 100_000;

/** Does the name hold a `[x:y]` range? */
export function hasRange(name: string): boolean {
  const open = name.indexOf('[');
  const close = name.indexOf(']');
  return open >= 0 && close > open && name.slice(open, close).includes(':');
}

/** One range expanded, then the rest recursively; a string is why it is not a range. */
export function expandRanges(name: string, budget = MAX_HOSTS_PER_PATTERN): string[] | string {
  if (!hasRange(name)) return [name];
  const open = name.indexOf('[');
  const close = name.indexOf(']');
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) return 'a host range is [begin:end] or [begin:end:step]';
  const beg = bounds[0] === '' ? '0' : bounds[0]!;
  const end = bounds[1]!;
  if (end === '') return 'a host range needs an end, e.g. [01:20]';
  const stepText = bounds[2] ?? '1';
  if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1) return `host range step "${stepText}" is not a whole number >= 1`;
  const step = Number(stepText);
  let width = 0;
  if (beg.length > 1 && beg.startsWith('0')) {
    if (beg.length !== end.length) return `host range [${beg}:${end}]: a zero-padded start and the end must have the same length`;
    width = beg.length;
  }
  const seq: string[] = [];
  const ib = LETTERS.indexOf(beg);
  const ie = LETTERS.indexOf(end);
  if (ib >= 0 && ie >= 0) {
    if (ib > ie) return `host range [${beg}:${end}]: the start comes after the end`;
    for (let i = ib; i <= ie; i += step) seq.push(LETTERS[i]!);
  } else {
    if (!/^[0-9]+$/.test(beg) || !/^[0-9]+$/.test(end)) return `host range [${beg}:${end}]: expected numbers (01:20) or letters (a:f)`;
    const b = Number(beg);
    const e = Number(end);
    if ((e - b) / step + 1 > budget) return `host range [${beg}:${end}] has more than ${budget} hosts`;
    for (let i = b; i <= e; i += step) seq.push(width > 0 ? String(i).padStart(width, '0') : String(i));
  }
  const out: string[] = [];
  for (const s of seq) {
    const rest = expandRanges(`${head}${s}${tail}`, Math.max(1, Math.floor(budget / Math.max(1, seq.length))));
    if (typeof rest === 'string') return rest;
    out.push(...rest);
    if (out.length > budget) return `host pattern "${name}" expands to more than ${budget} hosts`;
  }
  return out;
}

/** Colons outside `[...]`, where ranges live. */
function colonsOutsideBrackets(text: string): number[] {
  const at: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']') depth = Math.max(0, depth - 1);
    else if (text[i] === ':' && depth === 0) at.push(i);
  }
  return at;
}

/** A host pattern -> host names and the port it names; a string is the reason it is not one. */
export function parseHostPattern(text: string): HostPattern | string {
  const v6 = /^\[([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)\](?::([0-9]+))?$/.exec(text);
  if (v6) return { hosts: [v6[1]!], ...(v6[2] !== undefined && { port: Number(v6[2]) }) };
  let name = text;
  let port: number | undefined;
  const colons = colonsOutsideBrackets(text);
  if (colons.length === 1 && /^[0-9]+$/.test(text.slice(colons[0]! + 1))) {
    name = text.slice(0, colons[0]);
    port = Number(text.slice(colons[0]! + 1));
  }
  const hosts = expandRanges(name);
  if (typeof hosts === 'string') return hosts;
  return { hosts, ...(port !== undefined && { port }) };
}
