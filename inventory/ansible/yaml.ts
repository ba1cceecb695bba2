/**
 * Ansible's YAML inventory format (`ansible.builtin.yaml`), and the YAML of group_vars /
 * host_vars files. Ansible reads YAML 1.1 (`yes` is true, `0755` is octal), so do we here.
 * A group is `NAME: {hosts: {PATTERN: {vars} | ~}, children: {NAME: {group} | ~}, vars: {...}}`;
 * every top-level key is a group (usually just `all`). `!vault` values are kept as
 * VaultValue and refused only where linkdest reads them.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { locateOffset, yamlErrorLine, type Path } from '../errors.ts';
import { closest } from '../suggest.ts';
import { addChild, addGroup, addHost, emptyInventory, setGroupVar, VaultValue, type AnsibleInventory, type Source } from './model.ts';
import { parseHostPattern } from './host-pattern.ts';

export interface ParsedYaml {
  doc: Document;
  lc: LineCounter;
  data: unknown;
  /** `file:LINE:COL reason` */
  problems: string[];
}

const vaultTag = {
  tag: '!vault',
  resolve: () => new VaultValue(),
  identify: (v: unknown) => v instanceof VaultValue,
};

type Tag = { tag: string; test?: RegExp; resolve?: unknown; default?: unknown };

/**
 * YAML 1.1 as PyYAML (and so Ansible) reads it, where the `yaml` package reads more:
 * `y`/`n` stay text (only yes/no/true/false/on/off are booleans), a float needs a dot and a
 * signed exponent (`1e3` is text), and dates stay the text written (Ansible prints them so).
 */
function pyyamlTags(tags: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const t of tags as Tag[]) {
    if (t.tag === 'tag:yaml.org,2002:timestamp') continue;
    if (t.tag === 'tag:yaml.org,2002:bool' && t.test) {
      const isTrue = t.test.test('yes');
      out.push({ ...t, test: isTrue ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ });
    } else if (t.tag === 'tag:yaml.org,2002:float' && t.test && t.test.test('1e3')) {
      out.push({ ...t, test: /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/ });
    } else if (t.tag === 'tag:yaml.org,2002:float' && t.test && t.test.test('1.5') && !t.test.test('1:1.5')) {
      out.push({ ...t, test: /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/ });
    } else {
      out.push(t);
    }
  }
  return [...out, vaultTag];
}

export function parseAnsibleYaml(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc, version: '1.1', merge: true, uniqueKeys: false,
    customTags: (tags) => pyyamlTags(tags) as typeof tags,
  });
  if (doc.errors.length > 0) return { doc, lc, data: undefined, problems: doc.errors.map((e) => yamlErrorLine(file, e).text) };
  try {
    return { doc, lc, data: doc.toJS({ maxAliasCount: 1000 }), problems: [] };
  } catch (e) {
    return { doc, lc, data: undefined, problems: [`${file}:1:1 ${(e as Error).message}`] };
  }
}

export function yamlSource(file: string, y: { doc: Document; lc: LineCounter }, path: Path, key = false): Source {
  const { line, col } = y.lc.linePos(locateOffset(y.doc, path, key));
  return { file, line, col, yaml: { doc: y.doc, lc: y.lc, path } };
}

type Map_ = Record<string, unknown>;
const isMap = (v: unknown): v is Map_ => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof VaultValue);
const SECTIONS = ['hosts', 'children', 'vars'];

/** Does this parsed YAML look like an Ansible inventory (every top-level value a group)? */
export function looksLikeAnsibleYaml(data: unknown): boolean {
  if (!isMap(data) || Object.keys(data).length === 0) return false;
  return Object.values(data).every((g) => g === null || (isMap(g) && Object.keys(g).every((k) => SECTIONS.includes(k))));
}

export function ansibleInventoryFromYaml(y: ParsedYaml, file: string): { inventory: AnsibleInventory; problems: string[] } {
  const inv = emptyInventory(file);
  const problems: string[] = [];
  const at = (path: Path, key = false) => yamlSource(file, y, path, key);
  const problem = (path: Path, reason: string, key = true) => {
    const s = at(path, key);
    problems.push(`${file}:${s.line}:${s.col} ${reason}`);
  };

  const group = (name: string, data: unknown, path: Path): void => {
    addGroup(inv, name, at(path, true));
    if (data === null || data === undefined) return;
    if (!isMap(data)) { problem(path, `group "${name}": expected a map with hosts:, children: or vars:`, false); return; }
    for (const [key, raw] of Object.entries(data)) {
      const p = [...path, key];
      if (!SECTIONS.includes(key)) {
        const guess = closest(key, SECTIONS);
        problem(p, `group "${name}": unknown key "${key}" (${guess ? `did you mean "${guess}"?` : 'expected hosts, children or vars'})`);
        continue;
      }
      const section = typeof raw === 'string' ? { [raw]: null } : raw;
      if (section === null || section === undefined) continue;
      if (!isMap(section)) { problem(p, `group "${name}": ${key}: expected a map`, false); continue; }
      if (key === 'vars') {
        for (const [k, v] of Object.entries(section)) {
          const why = setGroupVar(inv.groups.get(name)!, k, { value: v, at: at([...p, k]) });
          if (why) problem([...p, k], why, false);
        }
      } else if (key === 'children') {
        for (const [child, childData] of Object.entries(section)) {
          group(child, childData, [...p, child]);
          const why = addChild(inv, name, child);
          if (why) problem([...p, child], why);
        }
      } else {
        for (const [pattern, hostVars] of Object.entries(section)) {
          const hp = [...p, pattern];
          const parsed = parseHostPattern(pattern);
          if (typeof parsed === 'string') { problem(hp, parsed); continue; }
          if (hostVars !== null && hostVars !== undefined && !isMap(hostVars)) {
            problem(hp, `host "${pattern}": expected a map of variables or nothing`, false);
            continue;
          }
          for (const h of parsed.hosts) {
            const isNew = !inv.hosts.has(h);
            const host = addHost(inv, h, name, at(hp, true));
            if (isNew && parsed.port !== undefined) host.vars.set('ansible_port', { value: parsed.port, at: at(hp, true) });
            for (const [k, v] of Object.entries(hostVars ?? {})) host.vars.set(k, { value: v, at: at([...hp, k]) });
          }
        }
      }
    }
  };

  if (!isMap(y.data)) {
    problems.push(`${file}:1:1 expected a map of groups (all: {hosts: ..., children: ..., vars: ...})`);
  } else {
    for (const [name, data] of Object.entries(y.data)) group(name, data, [name]);
  }
  return { inventory: inv, problems };
}
