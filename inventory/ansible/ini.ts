/**
 * Ansible's INI inventory format, written from the `ansible.builtin.ini` plugin documentation:
 * - `[group]` (or `[group:hosts]`) lists hosts, `[group:children]` lists groups,
 *   `[group:vars]` holds `key=value` lines; lines before the first section are `ungrouped`.
 * - A host line is a host pattern (ranges, `:PORT`) then `key=value` words (shlex rules).
 * - Values are Python literals where they are one (python-literal.ts), text otherwise.
 * - `[a:vars]` needs `a` declared by `[a]` or `[a:children]` somewhere in the file, and a
 *   group named in `[x:children]` must have a section of its own, before or after.
 * - Comments: lines starting with `#` or `;`; `#` also ends a host line.
 * Every problem is `file:LINE reason`; all of them are collected.
 */
import { addChild, addGroup, addHost, emptyInventory, setGroupVar, type AnsibleInventory } from './model.ts';
import { parseHostPattern } from './host-pattern.ts';
import { pythonLiteral, shlexSplit } from './python-literal.ts';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

export interface IniResult {
  inventory: AnsibleInventory;
  /** `file:LINE reason`, in line order. */
  problems: string[];
}

interface Pending { line: number; state: 'vars' | 'children'; parents: string[] }

export function parseIniInventory(text: string, file: string): IniResult {
  const inv = emptyInventory(file);
  const problems: string[] = [];
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state: 'hosts' | 'children' | 'vars' = 'hosts';
  let skipping = false;
  const lines = text.split(/\r?\n/);

  /** A group declared at last: its waiting parents adopt it (and their own waiting parents in turn). */
  const declare = (name: string) => {
    const p = pending.get(name);
    if (!p) return;
    pending.delete(name);
    if (p.state !== 'children') return;
    for (const parent of p.parents) {
      const why = addChild(inv, parent, name);
      if (why) problems.push(`${file}:${p.line} ${why}`);
    }
  };

  lines.forEach((raw, index) => {
    const n = index + 1;
    const at = { file, line: n };
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = SECTION.exec(line);
    if (section) {
      const name = section[1]!;
      const kind = section[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') {
        problems.push(`${file}:${n} section [${name}:${kind}]: unknown kind "${kind}" (expected [${name}], [${name}:children] or [${name}:vars])`);
        skipping = true;
        return;
      }
      skipping = false;
      group = name;
      state = kind;
      if (!inv.groups.has(name) && kind === 'vars' && !pending.has(name)) pending.set(name, { line: n, state: 'vars', parents: [] });
      addGroup(inv, name, at);
      if (kind !== 'vars') declare(name);
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      problems.push(`${file}:${n} invalid section "${line}": no spaces, and [NAME], [NAME:children] or [NAME:vars]`);
      skipping = true;
      return;
    }
    if (skipping) return;
    if (state === 'children') {
      const m = GROUP_NAME.exec(line);
      if (!m) { problems.push(`${file}:${n} expected a group name in [${group}:children], got "${line}"`); return; }
      const child = m[1]!;
      if (inv.groups.has(child)) {
        const why = addChild(inv, group, child);
        if (why) problems.push(`${file}:${n} ${why}`);
      } else {
        const p = pending.get(child);
        if (p) p.parents.push(group);
        else pending.set(child, { line: n, state: 'children', parents: [group] });
      }
      return;
    }
    if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) { problems.push(`${file}:${n} expected key=value in [${group}:vars], got "${line}"`); return; }
      const key = line.slice(0, eq).trim();
      const why = setGroupVar(inv.groups.get(group)!, key, { value: pythonLiteral(line.slice(eq + 1).trim()), at });
      if (why) problems.push(`${file}:${n} ${why}`);
      return;
    }
    const words = shlexSplit(line);
    if ('error' in words) { problems.push(`${file}:${n} host line: ${words.error}`); return; }
    const pattern = parseHostPattern(words[0]!);
    if (typeof pattern === 'string') { problems.push(`${file}:${n} ${pattern}`); return; }
    const vars: [string, unknown][] = [];
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq < 0) { problems.push(`${file}:${n} expected key=value after the host name, got "${w}"`); return; }
      vars.push([w.slice(0, eq), pythonLiteral(w.slice(eq + 1))]);
    }
    for (const name of pattern.hosts) {
      const isNew = !inv.hosts.has(name);
      const host = addHost(inv, name, group, at);
      if (isNew && pattern.port !== undefined) host.vars.set('ansible_port', { value: pattern.port, at });
      for (const [k, v] of vars) host.vars.set(k, { value: v, at });
    }
  });

  for (const [name, p] of pending) {
    problems.push(p.state === 'vars'
      ? `${file}:${p.line} [${name}:vars]: group "${name}" is not declared (add a [${name}] or [${name}:children] section)`
      : `${file}:${p.line} [${p.parents[p.parents.length - 1]!}:children] names group "${name}", which has no [${name}] section`);
  }
  problems.sort((a, b) => lineOf(a) - lineOf(b));
  return { inventory: inv, problems };
}

function lineOf(problem: string): number {
  return Number(/:(\d+) /.exec(problem)?.[1] ?? 0);
}
