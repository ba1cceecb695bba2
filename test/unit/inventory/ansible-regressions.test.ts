/**
 * Inventories once compared with `ansible-inventory` (ansible-core 2.14) by hand or by the
 * differential test, with what Ansible answered. Each is a case linkdest got wrong, or an
 * Ansible rule that is easy to get wrong; they run without Ansible installed.
 */
import { describe, expect, test } from 'vitest';
import { parseIniInventory } from '../../../inventory/ansible/ini.ts';
import { reconcile, type AnsibleInventory } from '../../../inventory/ansible/model.ts';
import { ansibleInventoryFromYaml, parseAnsibleYaml } from '../../../inventory/ansible/yaml.ts';

function ini(text: string): { inv: AnsibleInventory; problems: string[] } {
  const r = parseIniInventory(text, 'hosts');
  reconcile(r.inventory);
  return { inv: r.inventory, problems: r.problems };
}

function yaml(text: string): { inv: AnsibleInventory; problems: string[] } {
  const r = ansibleInventoryFromYaml(parseAnsibleYaml(text, 'hosts.yml'), 'hosts.yml');
  reconcile(r.inventory);
  return { inv: r.inventory, problems: r.problems };
}

const hostVars = (inv: AnsibleInventory, h: string) => Object.fromEntries([...inv.hosts.get(h)!.vars].map(([k, v]) => [k, v.value]));

describe('Ansible inventory regressions', () => {
  // linkdest accepted it and made `all` a child of g, silently (reconcile could not add g to all).
  // ansible-inventory: "Adding group 'g' as child to 'all' creates a recursive dependency loop."
  test('all as a child group is refused (INI and YAML)', () => {
    expect(ini('[g:children]\nall\n').problems).toEqual(['hosts:2 group "all" holds every group; it cannot be a child of "g"']);
    expect(yaml('g:\n  children:\n    all:\n').problems).toEqual(['hosts.yml:3:5 group "all" holds every group; it cannot be a child of "g"']);
  });

  // ansible-inventory: h1 is in g only; ungrouped is empty.
  test('a host written before any section and in a group later is not ungrouped', () => {
    const { inv } = ini('h1\n[g]\nh1\n');
    expect(inv.groups.get('ungrouped')!.hosts).toEqual([]);
    expect(inv.groups.get('g')!.hosts).toEqual(['h1']);
  });

  // ansible-inventory: [all] hosts are listed under ungrouped.
  test('hosts in an [all] section end up in ungrouped', () => {
    const { inv } = ini('[all]\nh1\n[all:vars]\nx=1\n');
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['h1']);
    expect(inv.groups.get('all')!.vars.get('x')!.value).toBe(1);
  });

  // ansible-inventory: {"k": "a=b", "j": "café"}; the value is everything after the first "=".
  test('a value holding "=" keeps it', () => {
    expect(hostVars(ini('[g]\nh1 k=a=b j=café\n').inv, 'h1')).toEqual({ k: 'a=b', j: 'café' });
  });

  // ansible-inventory: x 1.5, y 1000.0, z 0, w 15, v 3, u 31, t 10, s [1, [2, 3]], r {"1": 2}.
  test('Python literals of every kind in host lines', () => {
    expect(hostVars(ini('[g]\nh1 x=1.5 y=1e3 z=-0 w=0o17 v=0b11 u=0x1F t=1_0 s=[1,(2,3)] r={1:2}\n').inv, 'h1'))
      .toEqual({ x: 1.5, y: 1000, z: -0, w: 15, v: 3, u: 31, t: 10, s: [1, [2, 3]], r: { 1: 2 } });
  });

  // ansible-inventory: [g:vars] values are literals too: 2222 is a number, 'quoted' text,
  // FALSE stays text, "spaced value # c" keeps its "comment".
  test('[group:vars] values are Python literals, the rest of the line is the value', () => {
    const { inv } = ini("[g]\nh\n[g:vars]\na=2222\nb='quoted'\nc=FALSE\nd = spaced value # c\ne=\"x y\" # c\n");
    expect(Object.fromEntries([...inv.groups.get('g')!.vars].map(([k, v]) => [k, v.value])))
      .toEqual({ a: 2222, b: 'quoted', c: 'FALSE', d: 'spaced value # c', e: 'x y' });
  });

  // ansible-inventory: h1 keeps ansible_port 2200 (the port of the first pattern naming it).
  test('YAML: a port on a later pattern of a known host is ignored, its variables are not', () => {
    const { inv } = yaml('web:\n  hosts:\n    h1:2200:\ndb:\n  hosts:\n    h1:2222:\n      x: 1\n');
    expect(hostVars(inv, 'h1')).toEqual({ ansible_port: 2200, x: 1 });
  });

  // ansible-inventory: `hosts: h1` (a string) is the host h1.
  test('YAML: hosts written as one name', () => {
    expect(yaml('all:\n  children:\n    web:\n      hosts: h1\n').inv.groups.get('web')!.hosts).toEqual(['h1']);
  });

  // ansible-inventory: ansible_group_priority is not a variable of the hosts.
  test('ansible_group_priority is not a host variable', () => {
    const { inv } = ini('[g]\nh1\n[g:vars]\nansible_group_priority=2\nx=1\n');
    expect([...inv.groups.get('g')!.vars.keys()]).toEqual(['x']);
    expect(inv.groups.get('g')!.priority).toBe(2);
  });

  // linkdest read `n: y` as {false: true} and `j: 1e3` as 1000 (the yaml package's YAML 1.1),
  // and a date as a Date. ansible-inventory (PyYAML): {"n": "y", "j": "1e3", "k": "2001-01-01"}.
  test('YAML 1.1 scalars as PyYAML reads them', () => {
    const y = parseAnsibleYaml('a: on\nb: off\nc: 0755\nd: 1_000\ne: 1:20\nf: Yes\ng: NO\nh: 0x1F\ni: .5\nj: 1e3\nk: 2001-01-01\nl: 1.0e+3\nn: y\no: N\n', 'g.yml');
    expect(y.data).toEqual({ a: true, b: false, c: 493, d: 1000, e: 80, f: true, g: false, h: 31, i: 0.5, j: '1e3', k: '2001-01-01', l: 1000, n: 'y', o: 'N' });
  });
});
