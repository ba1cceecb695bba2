/**
 * Ansible's variable precedence for one host, as its "Understanding variable precedence"
 * and "How variables are merged" documentation state it, lowest first:
 *
 *   1. `all` vars written in the inventory file
 *   2. the host's other groups' vars written in the inventory file
 *   3. group_vars/all
 *   4. group_vars/GROUP for the host's other groups
 *   5. the host's vars written in the inventory file
 *   6. host_vars/HOST
 *
 * Within 2 and 4 groups are ordered by depth (a child after its parents), then by
 * `ansible_group_priority` (default 1), then by name. A host's groups include every
 * ancestor of the groups it is written in. Later layers replace a variable whole
 * (Ansible's default `hash_behaviour=replace`); `flatten` does exactly that.
 */
import type { AnsibleInventory, Var, Vars } from './model.ts';

export interface VarLayer {
  /** 'all', 'group', 'group_vars', 'host', 'host_vars' and the group or host name. */
  kind: 'inventory' | 'file';
  name: string;
  vars: Vars;
  /** The file is vault-encrypted (variables unknown). */
  encrypted?: string;
}

export interface VarFiles {
  /** group_vars/NAME files, in load order. */
  group(name: string): { file: string; vars: Vars; encrypted?: boolean }[];
  host(name: string): { file: string; vars: Vars; encrypted?: boolean }[];
}

/** Depth of every group: `all` is 0, a group is one deeper than its deepest parent. */
export function groupDepths(inv: AnsibleInventory): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const parents = inv.groups.get(name)?.parents ?? [];
    let d = 0;
    for (const p of parents) if (!seen.has(p)) d = Math.max(d, visit(p, new Set([...seen, name])) + 1);
    if (name !== 'all' && parents.length === 0) d = 1;
    depth.set(name, d);
    return d;
  };
  for (const g of inv.groups.keys()) visit(g, new Set());
  return depth;
}

export function groupPriority(inv: AnsibleInventory, name: string): number {
  return inv.groups.get(name)?.priority ?? 1;
}

/** Every group of a host (written in, and their ancestors), without `all`, in merge order. */
export function hostGroups(inv: AnsibleInventory, host: string, depths = groupDepths(inv)): string[] {
  const direct = [...inv.groups.values()].filter((g) => g.hosts.includes(host)).map((g) => g.name);
  const found = new Set<string>();
  const todo = [...direct];
  while (todo.length > 0) {
    const g = todo.pop()!;
    if (found.has(g)) continue;
    found.add(g);
    todo.push(...(inv.groups.get(g)?.parents ?? []));
  }
  found.delete('all');
  return [...found].sort((a, b) => (depths.get(a)! - depths.get(b)!)
    || (groupPriority(inv, a) - groupPriority(inv, b))
    || (a < b ? -1 : a > b ? 1 : 0));
}

/** The host's variable layers, lowest precedence first. */
export function hostLayers(inv: AnsibleInventory, host: string, files: VarFiles, groups = hostGroups(inv, host)): VarLayer[] {
  const fileLayers = (name: string, list: ReturnType<VarFiles['group']>): VarLayer[] => list.map((f) => ({
    kind: 'file', name, vars: f.vars, ...(f.encrypted && { encrypted: f.file }),
  }));
  return [
    { kind: 'inventory', name: 'all', vars: inv.groups.get('all')!.vars },
    ...groups.map((g): VarLayer => ({ kind: 'inventory', name: g, vars: inv.groups.get(g)!.vars })),
    ...fileLayers('all', files.group('all')),
    ...groups.flatMap((g) => fileLayers(g, files.group(g))),
    { kind: 'inventory', name: host, vars: inv.hosts.get(host)!.vars },
    ...fileLayers(host, files.host(host)),
  ];
}

/** Variables as Ansible sees them: a later layer replaces a variable whole. */
export function flatten(layers: readonly VarLayer[]): Map<string, Var> {
  const out = new Map<string, Var>();
  for (const l of layers) for (const [k, v] of l.vars) out.set(k, v);
  return out;
}
