/**
 * linkdest.yml -> HostSpec[]. Reads YAML keeping positions, checks the outline, merges
 * defaults < groups < host for each host, validates the result and builds HostSpecs.
 * Every problem in the file is collected first and thrown as one InventoryError.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { HostSpec } from './host-spec.ts';
import { InventoryError, formatProblem, sortedLines, yamlErrorLine, type Located, type Path, type Problem } from './errors.ts';
import { hostSettingsSchema, inventoryFileSchema, sourceHostSchema, SOURCE_HOST_KEYS, type HostSettings } from './schema.ts';
import type { PullHostInfo } from './pull-resolve.ts';
import { reasonFor, toProblems } from './issues.ts';
import { mergeLayers, type Layer, type Merged } from './merge.ts';
import { buildHostSpec, sshSpecOf } from './build.ts';
import { loadAnsibleInventory, looksLikeIni } from './ansible/load.ts';
import { looksLikeAnsibleYaml } from './ansible/yaml.ts';

export { selectHosts } from './limit.ts';

export const DEFAULT_INVENTORY = 'linkdest.yml';

export interface Inventory {
  /** The file as the user named it (used in messages and `origin`). */
  file: string;
  hosts: HostSpec[];
  /** Group name -> member host names, in file order. */
  groups: Record<string, string[]>;
  /** Each host's merged settings as written (before built-in defaults): `linkdest inventory show`. */
  settings?: Record<string, Record<string, unknown>>;
  /** `ansible` when the file is an Ansible inventory (INI or YAML). */
  format?: 'linkdest' | 'ansible';
}

export interface ParseContext {
  /** Directory relative paths in the inventory are resolved against. */
  dir: string;
  home: string;
}

type SettingsMap = Record<string, unknown>;
const isMap = (v: unknown): v is SettingsMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function groupsOf(data: SettingsMap, hostNames: string[], problems: Problem[]): Map<string, { hosts: string[]; vars: unknown }> {
  const groups = new Map<string, { hosts: string[]; vars: unknown }>();
  if (!isMap(data.groups)) return groups;
  for (const [name, g] of Object.entries(data.groups)) {
    if (!NAME.test(name)) continue;
    if (name === 'all' || hostNames.includes(name)) {
      const why = name === 'all' ? '"all" means every host and cannot be a group' : `"${name}" is also a host; --limit ${name} would be ambiguous`;
      problems.push({ at: ['groups', name], key: true, reason: why });
      continue;
    }
    const members = isMap(g) && Array.isArray(g.hosts) ? g.hosts.filter((h): h is string => typeof h === 'string') : [];
    if (isMap(g) && Array.isArray(g.hosts)) {
      g.hosts.forEach((h, i) => {
        if (typeof h === 'string' && NAME.test(h) && !hostNames.includes(h)) {
          problems.push({ at: ['groups', name, 'hosts', i], reason: `unknown host "${h}" (hosts: ${hostNames.join(', ')})` });
        }
      });
    }
    groups.set(name, { hosts: members.filter((h) => hostNames.includes(h)), vars: isMap(g) ? g.vars : undefined });
  }
  return groups;
}

function positionOf(file: string, doc: Document, lc: LineCounter, at: Path): string {
  const { line, col } = formatProblem(file, doc, lc, { at, key: true, reason: '' });
  return `${file}:${line}:${col}`;
}

/** Parse inventory text; `file` only names it in messages. Throws InventoryError. */
export function parseInventory(text: string, file: string, ctx: ParseContext): Inventory {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new InventoryError(sortedLines(doc.errors.map((e) => yamlErrorLine(file, e))));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    // Aliases expanding to millions of nodes ("billion laughs"): refuse, do not hang.
    throw new InventoryError([`${file}:1:1 ${(e as Error).message}`]);
  }
  if (!isMap(data)) {
    throw new InventoryError([`${file}:1:1 expected a map with defaults:, groups: and hosts: (see docs/inventory.md)`]);
  }

  // Top-level `x-...` keys only hold YAML anchors for reuse (as in docker compose).
  for (const key of Object.keys(data)) if (key.startsWith('x-')) delete data[key];
  const problems: Problem[] = [];
  const outline = inventoryFileSchema.safeParse(data, { error: reasonFor });
  if (!outline.success) problems.push(...toProblems(outline.error.issues, inventoryFileSchema, (p) => p));

  const rawHosts = isMap(data.hosts) ? data.hosts : {};
  const hostNames = Object.keys(rawHosts).filter((h) => NAME.test(h) && (rawHosts[h] === null || isMap(rawHosts[h])));
  if (isMap(data.hosts) && Object.keys(rawHosts).length === 0) problems.push({ at: ['hosts'], key: true, reason: 'expected at least one host' });
  const groups = groupsOf(data, hostNames, problems);

  const hosts: HostSpec[] = [];
  const settingsOf: Record<string, Record<string, unknown>> = {};
  // Phase one: every host's merged settings checked; phase two builds backup hosts, whose
  // sources may name any host of the inventory (docs/pull.md).
  const parsed: { name: string; member: string[]; merged: Merged; settings: HostSettings }[] = [];
  const pullHosts = new Map<string, PullHostInfo>();
  for (const name of hostNames) {
    const member = [...groups].filter(([, g]) => g.hosts.includes(name)).map(([g]) => g);
    const layers: Layer[] = [
      { from: ['defaults'], value: isMap(data.defaults) ? data.defaults : undefined },
      ...member.map((g): Layer => ({ from: ['groups', g, 'vars'], value: isMap(groups.get(g)!.vars) ? groups.get(g)!.vars as SettingsMap : undefined })),
      { from: ['hosts', name], value: rawHosts[name] as SettingsMap | null },
    ];
    const merged = mergeLayers(layers);
    if (merged.value.role === 'source') {
      const picked = Object.fromEntries(SOURCE_HOST_KEYS.filter((k) => k in merged.value).map((k) => [k, merged.value[k]]));
      const source = sourceHostSchema.safeParse(picked, { error: reasonFor });
      if (!source.success) {
        problems.push(...toProblems(source.error.issues, sourceHostSchema, (p) => [...merged.origin(p), ...p]));
        continue;
      }
      const ssh = sshSpecOf(source.data.ssh, name, ctx);
      pullHosts.set(name, {
        ssh, connection: 'ssh', become: source.data.become ?? (ssh.user !== undefined && ssh.user !== 'root'),
        ...(source.data.source_user !== undefined && { source_user: source.data.source_user }),
      });
      settingsOf[name] = picked;
      continue;
    }
    const settings = hostSettingsSchema.safeParse(merged.value, { error: reasonFor });
    if (!settings.success) {
      // Shown where it was written: a bad default is then reported once, not once per host.
      problems.push(...toProblems(settings.error.issues, hostSettingsSchema, (p) => [...merged.origin(p), ...p]));
      continue;
    }
    const s = settings.data;
    const ssh = sshSpecOf(s.ssh, name, ctx);
    pullHosts.set(name, {
      ssh, connection: s.connection ?? 'ssh', become: s.become ?? (ssh.user !== undefined && ssh.user !== 'root'),
      ...(s.source_user !== undefined && { source_user: s.source_user }),
    });
    parsed.push({ name, member, merged, settings: s });
  }
  for (const { name, member, merged, settings } of parsed) {
    const built = buildHostSpec(settings, {
      name, groups: member, origin: positionOf(file, doc, lc, ['hosts', name]), dir: ctx.dir, home: ctx.home, pullHosts,
    });
    if ('spec' in built) { hosts.push(built.spec); settingsOf[name] = merged.value; }
    else if ('pullProblems' in built) problems.push(...built.pullProblems.map((p) => ({ at: [...merged.origin(p.path), ...p.path], key: true, reason: p.reason })));
    else problems.push(...built.issues.map((i) => ({ at: ['hosts', name], key: true, shown: ['hosts', name, ...i.path], reason: i.message })));
  }

  if (problems.length > 0) {
    const found: Located[] = problems.map((p) => formatProblem(file, doc, lc, p));
    throw new InventoryError(sortedLines(found));
  }
  return { file, hosts, groups: Object.fromEntries([...groups].map(([g, v]) => [g, v.hosts])), settings: settingsOf, format: 'linkdest' };
}

/** Read and parse an inventory file (default ./linkdest.yml). Throws InventoryError. */
export async function loadInventory(file = DEFAULT_INVENTORY, opts: { home?: string } = {}): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InventoryError([code === 'ENOENT'
      ? `${file}: not found (start from inventory/example.yml; keys in docs/inventory.md)`
      : `${file}: cannot read: ${code ?? String(e)}`]);
  }
  const ctx = { dir: path.dirname(path.resolve(file)), home: opts.home ?? os.homedir() };
  if (isAnsibleInventory(text)) {
    const r = await loadAnsibleInventory(text, file, { ...ctx, cwd: process.cwd() });
    return { file, hosts: r.hosts, groups: r.groups, settings: r.settings, format: 'ansible' };
  }
  return parseInventory(text, file, ctx);
}

const LINKDEST_KEYS = new Set(['defaults', 'groups', 'hosts']);

/**
 * Decided by content: INI text, or YAML whose top-level keys are groups holding only
 * hosts/children/vars, is an Ansible inventory; anything else is read as linkdest.yml
 * (whose own messages then explain what is wrong).
 */
export function isAnsibleInventory(text: string): boolean {
  if (looksLikeIni(text)) return true;
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length > 0) return false;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch {
    return false;
  }
  if (isMap(data) && Object.keys(data).every((k) => LINKDEST_KEYS.has(k) || k.startsWith('x-'))) return false;
  return looksLikeAnsibleYaml(data);
}
