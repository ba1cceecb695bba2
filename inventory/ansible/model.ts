/**
 * An Ansible inventory as its INI or YAML file describes it: groups with their direct
 * hosts, children and variables, hosts with their inline variables. Every variable keeps
 * where it was written so a bad value is reported at its own line. Built by ini.ts and
 * yaml.ts, read by resolve.ts; `all` and `ungrouped` always exist, as in Ansible.
 */
import type { Document, LineCounter } from 'yaml';
import type { Path } from '../errors.ts';

/** Where a value was written: a file and line, and for YAML the node path in its document. */
export interface Source {
  file: string;
  line: number;
  col?: number;
  yaml?: { doc: Document; lc: LineCounter; path: Path };
}

export interface Var {
  value: unknown;
  at: Source;
}

export type Vars = Map<string, Var>;

export interface AnsibleGroup {
  name: string;
  /** Direct members, in the order first written. */
  hosts: string[];
  children: string[];
  parents: string[];
  vars: Vars;
  /** `ansible_group_priority` (not a variable: Ansible keeps it apart), default 1. */
  priority: number;
  at?: Source;
}

export interface AnsibleHost {
  name: string;
  vars: Vars;
  /** Where the host was first written. */
  at: Source;
}

export interface AnsibleInventory {
  file: string;
  groups: Map<string, AnsibleGroup>;
  hosts: Map<string, AnsibleHost>;
}

/** An encrypted value (`!vault` or `$ANSIBLE_VAULT;...`): kept, refused only where linkdest reads it. */
export class VaultValue {
  toJSON(): string {
    return '<vault>';
  }
}

export function isVaultText(v: unknown): boolean {
  return typeof v === 'string' && v.trimStart().startsWith('$ANSIBLE_VAULT;');
}

export function emptyInventory(file: string): AnsibleInventory {
  const inv: AnsibleInventory = { file, groups: new Map(), hosts: new Map() };
  addGroup(inv, 'all');
  addGroup(inv, 'ungrouped');
  addChild(inv, 'all', 'ungrouped');
  return inv;
}

export function addGroup(inv: AnsibleInventory, name: string, at?: Source): AnsibleGroup {
  let g = inv.groups.get(name);
  if (!g) {
    g = { name, hosts: [], children: [], parents: [], vars: new Map(), priority: 1, ...(at && { at }) };
    inv.groups.set(name, g);
  } else if (!g.at && at) {
    g.at = at;
  }
  return g;
}

/**
 * A variable written on a group. `ansible_group_priority` orders sibling groups instead
 * of being a variable (as in Ansible); a string is why its value is not a whole number.
 */
export function setGroupVar(group: AnsibleGroup, key: string, v: Var): string | undefined {
  if (key !== 'ansible_group_priority') { group.vars.set(key, v); return undefined; }
  const n = typeof v.value === 'number' ? v.value : typeof v.value === 'string' && /^\s*-?\d+\s*$/.test(v.value) ? Number(v.value) : NaN;
  if (!Number.isInteger(n)) return `ansible_group_priority: expected a whole number, got ${JSON.stringify(v.value)}`;
  group.priority = n;
  return undefined;
}

/** Ancestors of a group, nearest first (without the group itself). */
export function ancestors(inv: AnsibleInventory, name: string): string[] {
  const out: string[] = [];
  const todo = [...(inv.groups.get(name)?.parents ?? [])];
  while (todo.length > 0) {
    const g = todo.shift()!;
    if (out.includes(g)) continue;
    out.push(g);
    todo.push(...(inv.groups.get(g)?.parents ?? []));
  }
  return out;
}

/** Make `child` a child of `parent`; a string is why not (a group inside itself). */
export function addChild(inv: AnsibleInventory, parent: string, child: string): string | undefined {
  if (child === 'all') return `group "all" holds every group; it cannot be a child of "${parent}"`;
  if (parent === child || ancestors(inv, parent).includes(child)) return `group "${child}" cannot be inside itself`;
  const p = inv.groups.get(parent)!;
  const c = inv.groups.get(child)!;
  if (!p.children.includes(child)) p.children.push(child);
  if (!c.parents.includes(parent)) c.parents.push(parent);
  return undefined;
}

export function addHost(inv: AnsibleInventory, name: string, group: string, at: Source): AnsibleHost {
  let h = inv.hosts.get(name);
  if (!h) {
    h = { name, vars: new Map(), at };
    inv.hosts.set(name, h);
  }
  const g = inv.groups.get(group)!;
  if (!g.hosts.includes(name)) g.hosts.push(name);
  return h;
}

/**
 * Ansible's last step: a group with no parent becomes a child of `all`; a host in no group
 * but `all` belongs to `ungrouped`, a host in some other group does not.
 */
export function reconcile(inv: AnsibleInventory): void {
  for (const g of inv.groups.values()) if (g.name !== 'all' && g.parents.length === 0) addChild(inv, 'all', g.name);
  const ungrouped = inv.groups.get('ungrouped')!;
  const elsewhere = new Set<string>();
  for (const g of inv.groups.values()) {
    if (g.name !== 'all' && g.name !== 'ungrouped') for (const h of g.hosts) elsewhere.add(h);
  }
  const all = inv.groups.get('all')!;
  for (const h of inv.hosts.keys()) {
    if (elsewhere.has(h)) ungrouped.hosts = ungrouped.hosts.filter((x) => x !== h);
    else if (!ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
  }
  all.hosts = [];
}
