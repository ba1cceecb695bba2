/**
 * Differential test: random Ansible inventories (INI and YAML, groups, children, vars,
 * ranges, ports, group_vars/ and host_vars/ as files and directories) are read by linkdest
 * and by `ansible-inventory --list` / `--host`; the hosts, the groups' hosts and children,
 * and every host's variables (Ansible's precedence, replace semantics) must be the same.
 * LINKDEST_DIFF_RUNS=N sets the number of inventories per format (default 12).
 * Cases found wrong, by this test or by comparing by hand, stay in ansible-regressions.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadAnsibleInventory } from '../../../inventory/ansible/load.ts';
import { commandNote, hasCommand } from '../../support/needs.ts';

const run = promisify(execFile);
const RUNS = Number(process.env.LINKDEST_DIFF_RUNS ?? 12);
const HAS_ANSIBLE = hasCommand('ansible-inventory');

/** A value and how each place writes it so that both tools read the same thing. */
interface Value { json: unknown; iniInline: string; iniVars: string; yaml: string }
const VALUES: Value[] = [
  { json: 7, iniInline: '7', iniVars: '7', yaml: '7' },
  { json: 2222, iniInline: '2222', iniVars: '2222', yaml: '2222' },
  { json: 'alpha', iniInline: 'alpha', iniVars: 'alpha', yaml: 'alpha' },
  { json: 'backup.example.net', iniInline: 'backup.example.net', iniVars: 'backup.example.net', yaml: 'backup.example.net' },
  { json: 'two words', iniInline: '"two words"', iniVars: 'two words', yaml: '"two words"' },
  { json: '007', iniInline: `"'007'"`, iniVars: `'007'`, yaml: `'007'` },
  { json: 'yes', iniInline: 'yes', iniVars: 'yes', yaml: `'yes'` },
  { json: true, iniInline: 'True', iniVars: 'True', yaml: 'yes' },
  { json: false, iniInline: 'False', iniVars: 'False', yaml: 'false' },
  { json: 'FALSE', iniInline: 'FALSE', iniVars: 'FALSE', yaml: `"FALSE"` },
  { json: [1, 2], iniInline: '[1,2]', iniVars: '[1, 2]', yaml: '[1, 2]' },
  { json: { a: 1, b: 'x' }, iniInline: `{'a':1,'b':'x'}`, iniVars: `{'a': 1, 'b': 'x'}`, yaml: '{a: 1, b: x}' },
  { json: null, iniInline: 'None', iniVars: 'None', yaml: '~' },
  { json: 'y', iniInline: 'y', iniVars: 'y', yaml: 'y' },
  { json: '2001-01-01', iniInline: '2001-01-01', iniVars: '2001-01-01', yaml: '2001-01-01' },
  { json: 493, iniInline: '0o755', iniVars: '0o755', yaml: '0755' },
];
const VAR_NAMES = ['v1', 'v2', 'n', 'ansible_user', 'ansible_port'];
const GROUP_NAMES = ['web', 'db', 'g1', 'g2', 'office', 'nas'];
const PATTERNS = ['h1', 'h2', 'h[1:2]', 'alpha.example.net', 'n[01:03]', 'x[a:c]', 's[0:6:3]', 'w[1:2]b[a:b]', '192.0.2.7'];
const HOSTS_WITH_FILES = ['h1', 'n02', 'xb', 'alpha.example.net', 'w2ba'];
const LAYOUTS = ['.yml', '.yaml', '.json', '', 'dir'] as const;

const vars = fc.dictionary(fc.constantFrom(...VAR_NAMES), fc.constantFrom(...VALUES), { maxKeys: 2 });
const member = fc.record({ pattern: fc.constantFrom(...PATTERNS), port: fc.option(fc.constantFrom(22, 2200), { nil: undefined }), vars });
const filesFor = (names: string[]) => fc.dictionary(fc.constantFrom(...names), fc.record({
  layout: fc.constantFrom(...LAYOUTS), first: vars, second: vars,
}), { maxKeys: 3 });

const inventoryArb = fc.uniqueArray(fc.constantFrom(...GROUP_NAMES), { minLength: 1, maxLength: 4 }).chain((groups) => fc.record({
  groups: fc.constant(groups),
  members: fc.array(fc.array(member, { maxLength: 3 }), { minLength: groups.length, maxLength: groups.length }),
  // edges[i][j]: group i is a parent of group j (only i < j, so there is no cycle).
  edges: fc.array(fc.array(fc.boolean(), { minLength: groups.length, maxLength: groups.length }), { minLength: groups.length, maxLength: groups.length }),
  groupVars: fc.array(vars, { minLength: groups.length, maxLength: groups.length }),
  priorities: fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), { minLength: groups.length, maxLength: groups.length }),
  allVars: vars,
  ungrouped: fc.array(member, { maxLength: 2 }),
  groupFiles: filesFor(['all', 'ungrouped', ...groups]),
  hostFiles: filesFor(HOSTS_WITH_FILES),
  iniName: fc.constantFrom('hosts', 'hosts.ini', 'inventory'),
  yamlName: fc.constantFrom('hosts.yml', 'inventory.yaml'),
  yamlNested: fc.boolean(),
  // INI spelling variants: [g:hosts], comments after sections, hosts and values, ; comments, blank lines.
  iniDecor: fc.boolean(),
}));
type Case = typeof inventoryArb extends fc.Arbitrary<infer T> ? T : never;

const pattern = (m: { pattern: string; port?: number | undefined }) => (m.port !== undefined ? `${m.pattern}:${m.port}` : m.pattern);
const children = (c: Case, i: number) => c.groups.filter((_, j) => j > i && c.edges[i]![j]);

export function renderIni(c: Case): string {
  const d = c.iniDecor;
  const hostLine = (m: Case['ungrouped'][number]) => [pattern(m), ...Object.entries(m.vars).map(([k, v]) => `${k}=${v.iniInline}`)].join(d ? '  ' : ' ') + (d ? ' # a comment' : '');
  const out: string[] = ['# generated', ...c.ungrouped.map(hostLine)];
  const varLines = (vs: Record<string, Value>) => Object.entries(vs).map(([k, v]) => (d ? `${k} = ${v.iniVars}  # kept by Ansible unless a literal` : `${k}=${v.iniVars}`));
  if (Object.keys(c.allVars).length > 0) out.push(d ? '[all:vars] # all' : '[all:vars]', ...varLines(c.allVars));
  if (d) out.push('', '; a comment', '');
  c.groups.forEach((g, i) => {
    out.push(d ? `[${g}:hosts]  # hosts` : `[${g}]`, ...c.members[i]!.map(hostLine));
    const kids = children(c, i);
    if (kids.length > 0) out.push(`[${g}:children]`, ...kids);
    const gv = varLines(c.groupVars[i]!);
    if (c.priorities[i] !== undefined) gv.push(`ansible_group_priority=${c.priorities[i]}`);
    if (gv.length > 0) out.push(`[${g}:vars]`, ...gv);
  });
  return `${out.join('\n')}\n`;
}

export function renderYaml(c: Case): string {
  const ind = (n: number) => ' '.repeat(n);
  const varBlock = (vs: Record<string, Value>, n: number) => Object.entries(vs).map(([k, v]) => `${ind(n)}${k}: ${v.yaml}`);
  const hostsBlock = (ms: Case['ungrouped'], n: number) => {
    if (ms.length === 0) return [];
    return [`${ind(n)}hosts:`, ...ms.flatMap((m) => {
      const vs = varBlock(m.vars, n + 4);
      return vs.length > 0 ? [`${ind(n + 2)}${pattern(m)}:`, ...vs] : [`${ind(n + 2)}${pattern(m)}:`];
    })];
  };
  const groupBody = (i: number, n: number, nested: boolean): string[] => {
    const g: string[] = [...hostsBlock(c.members[i]!, n)];
    const gv = varBlock(c.groupVars[i]!, n + 2);
    if (c.priorities[i] !== undefined) gv.push(`${ind(n + 2)}ansible_group_priority: ${c.priorities[i]}`);
    if (gv.length > 0) g.push(`${ind(n)}vars:`, ...gv);
    const kids = children(c, i);
    if (kids.length > 0) {
      g.push(`${ind(n)}children:`);
      for (const k of kids) {
        g.push(`${ind(n + 2)}${k}:`);
        if (nested) g.push(...groupBody(c.groups.indexOf(k), n + 4, true));
      }
    }
    return g;
  };
  const out = ['# generated', 'all:', ...hostsBlock(c.ungrouped, 2)];
  const av = varBlock(c.allVars, 4);
  if (av.length > 0) out.push('  vars:', ...av);
  out.push('  children:');
  c.groups.forEach((g, i) => {
    const isChild = c.groups.some((_, p) => p < i && c.edges[p]![i]);
    if (c.yamlNested && isChild) return;
    out.push(`    ${g}:`, ...groupBody(i, 6, c.yamlNested));
  });
  return `${out.join('\n')}\n`;
}

async function writeVarFiles(dir: string, sub: string, files: Case['groupFiles']): Promise<void> {
  for (const [name, f] of Object.entries(files)) {
    const base = path.join(dir, sub);
    await mkdir(base, { recursive: true });
    const yamlOf = (vs: Record<string, Value>) => (Object.keys(vs).length === 0 ? '# nothing\n' : `${Object.entries(vs).map(([k, v]) => `${k}: ${v.yaml}`).join('\n')}\n`);
    if (f.layout === 'dir') {
      await mkdir(path.join(base, name, 'more'), { recursive: true });
      await writeFile(path.join(base, name, 'b.yml'), yamlOf(f.first));
      await writeFile(path.join(base, name, 'more', 'a.yaml'), yamlOf(f.second));
      await writeFile(path.join(base, name, 'ignored.txt'), 'v1: ignored\n');
      await writeFile(path.join(base, name, '.hidden.yml'), 'v1: hidden\n');
    } else if (f.layout === '.json') {
      await writeFile(path.join(base, name + f.layout), `${JSON.stringify(Object.fromEntries(Object.entries(f.first).map(([k, v]) => [k, v.json])))}\n`);
    } else {
      await writeFile(path.join(base, name + f.layout), yamlOf(f.first));
    }
  }
}

interface AnsibleList { _meta: { hostvars: Record<string, Record<string, unknown>> }; [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList['_meta'] }

async function ansibleInventory(dir: string, file: string, ...args: string[]): Promise<unknown> {
  // Run in the case's directory (no ansible.cfg there), failing on what it cannot parse.
  const { ANSIBLE_CONFIG: _config, ...outer } = process.env;
  const env = { ...outer, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_NOCOLOR: '1', ANSIBLE_HOME: dir, ANSIBLE_LOCAL_TEMP: dir };
  const { stdout } = await run('ansible-inventory', ['-i', file, ...args], { cwd: dir, env, maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

const sorted = (xs: readonly string[] | undefined) => [...(xs ?? [])].sort();
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

/** Compare linkdest's reading of `file` with ansible-inventory's; returns the differences. */
export async function differences(dir: string, file: string, hostToAsk?: number): Promise<string[]> {
  const list = await ansibleInventory(dir, file, '--list') as AnsibleList;
  const ours = await loadAnsibleInventory(await readFile(path.join(dir, file), 'utf8'), file, { dir, home: '/root', cwd: dir });
  const diffs: string[] = [];
  const theirHosts = new Set<string>();
  for (const [g, v] of Object.entries(list)) if (g !== '_meta') for (const h of (v as { hosts?: string[] }).hosts ?? []) theirHosts.add(h);
  const ourHosts = [...ours.inventory.hosts.keys()];
  if (JSON.stringify(sorted(ourHosts)) !== JSON.stringify(sorted([...theirHosts]))) diffs.push(`hosts: ours ${JSON.stringify(sorted(ourHosts))} ansible ${JSON.stringify(sorted([...theirHosts]))}`);
  for (const [name, g] of ours.inventory.groups) {
    const theirs = list[name] as { hosts?: string[]; children?: string[] } | undefined;
    if (name !== 'all' && JSON.stringify(sorted(g.hosts)) !== JSON.stringify(sorted(theirs?.hosts))) diffs.push(`group ${name} hosts: ours ${JSON.stringify(sorted(g.hosts))} ansible ${JSON.stringify(sorted(theirs?.hosts))}`);
    if (JSON.stringify(sorted(g.children)) !== JSON.stringify(sorted(theirs?.children))) diffs.push(`group ${name} children: ours ${JSON.stringify(sorted(g.children))} ansible ${JSON.stringify(sorted(theirs?.children))}`);
  }
  for (const h of ourHosts) {
    const mine = plain(Object.fromEntries([...ours.vars.get(h)!].map(([k, v]) => [k, v.value])));
    const theirs = list._meta.hostvars[h] ?? {};
    try { expect(mine).toStrictEqual(theirs); } catch { diffs.push(`host ${h} vars: ours ${JSON.stringify(mine)} ansible ${JSON.stringify(theirs)}`); }
  }
  if (hostToAsk !== undefined && ourHosts.length > 0) {
    const h = ourHosts[hostToAsk % ourHosts.length]!;
    const theirs = await ansibleInventory(dir, file, '--host', h);
    const mine = plain(Object.fromEntries([...ours.vars.get(h)!].map(([k, v]) => [k, v.value])));
    try { expect(mine).toStrictEqual(theirs); } catch { diffs.push(`--host ${h}: ours ${JSON.stringify(mine)} ansible ${JSON.stringify(theirs)}`); }
  }
  return diffs;
}

let root: string;
let counter = 0;
const counted = { ini: 0, yaml: 0 };

async function checkCase(c: Case, format: 'ini' | 'yaml', askHost: number): Promise<void> {
  const dir = path.join(root, `case-${++counter}`);
  await mkdir(dir);
  const file = format === 'ini' ? c.iniName : c.yamlName;
  await writeFile(path.join(dir, file), format === 'ini' ? renderIni(c) : renderYaml(c));
  await writeVarFiles(dir, 'group_vars', c.groupFiles);
  await writeVarFiles(dir, 'host_vars', c.hostFiles);
  const diffs = await differences(dir, file, counter % 4 === 0 ? askHost : undefined);
  counted[format]++;
  expect(diffs, `${dir}/${file}`).toEqual([]);
  await rm(dir, { recursive: true });
}

describe(`linkdest reads Ansible inventories as ansible-inventory does${commandNote('ansible-inventory')}`, () => {
  beforeAll(async () => { root = await mkdtemp(path.join(os.tmpdir(), 'linkdest-ansible-diff-')); });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    if (HAS_ANSIBLE) console.log(`ansible differential: ${counted.ini} INI and ${counted.yaml} YAML inventories compared`);
  });

  test.skipIf(!HAS_ANSIBLE)('INI inventories', async () => {
    await fc.assert(fc.asyncProperty(inventoryArb, fc.nat(), (c, h) => checkCase(c, 'ini', h)), { numRuns: RUNS, endOnFailure: true });
  }, 60_000 + RUNS * 10_000);

  test.skipIf(!HAS_ANSIBLE)('YAML inventories', async () => {
    await fc.assert(fc.asyncProperty(inventoryArb, fc.nat(), (c, h) => checkCase(c, 'yaml', h)), { numRuns: RUNS, endOnFailure: true });
  }, 60_000 + RUNS * 10_000);
});
