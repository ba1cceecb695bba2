/**
 * An Ansible inventory (INI or YAML, with group_vars/ and host_vars/ beside it) -> the same
 * Inventory linkdest.yml gives. A host is a backup host when it has a `linkdest` variable:
 * its `linkdest` mappings from every layer (resolve.ts, Ansible's precedence) are merged as
 * linkdest.yml merges defaults < groups < host (maps merge, lists replace, `~` removes),
 * on top of what the connection variables say (connection.ts). `linkdest: ~` or `false`
 * in a later layer makes a host not a backup host. Other hosts are left alone.
 */
import path from 'node:path';
import { issuePath } from '../../runtime/config.ts';
import { buildHostSpec } from '../build.ts';
import { InventoryError, locateOffset, type Path } from '../errors.ts';
import type { HostSpec } from '../host-spec.ts';
import { reasonFor, toProblems } from '../issues.ts';
import { mergeLayers, type Layer } from '../merge.ts';
import { hostSettingsSchema } from '../schema.ts';
import { connectionSettings } from './connection.ts';
import { parseIniInventory } from './ini.ts';
import { isVaultText, reconcile, VaultValue, type AnsibleInventory, type Source, type Var } from './model.ts';
import { flatten, groupDepths, hostGroups, hostLayers, type VarLayer } from './resolve.ts';
import { readVarFile, varFilesOf, type VarFile } from './var-files.ts';
import { ansibleInventoryFromYaml, parseAnsibleYaml } from './yaml.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface AnsibleLoadContext {
  dir: string;
  home: string;
  cwd: string;
}

export interface AnsibleResult {
  inventory: AnsibleInventory;
  hosts: HostSpec[];
  /** Group -> backup hosts in it (directly or through children), inventory order. */
  groups: Record<string, string[]>;
  /** Merged linkdest settings per backup host, as written (before defaults). */
  settings: Record<string, Record<string, unknown>>;
  /** Every host's variables as Ansible resolves them (replace semantics), for comparison. */
  vars: Map<string, Map<string, Var>>;
}

export function sourceText(s: Source): string {
  return s.col !== undefined ? `${s.file}:${s.line}:${s.col}` : `${s.file}:${s.line}`;
}

const VAULT_ADVICE = 'linkdest does not decrypt ansible-vault: write this value in plain text; secrets go in password_file or password_env';

/** Where a problem at `rest` below a value written at `s` is. */
function below(s: Source, rest: Path, key = false): string {
  if (!s.yaml || rest.length === 0) return sourceText(s);
  const { line, col } = s.yaml.lc.linePos(locateOffset(s.yaml.doc, [...s.yaml.path, ...rest], key));
  return `${s.file}:${line}:${col}`;
}

/** Vault values and Jinja templates in what linkdest reads: paths below `value`. */
function unreadable(value: unknown, at: Path = []): { path: Path; reason: string }[] {
  if (value instanceof VaultValue || isVaultText(value)) return [{ path: at, reason: `encrypted with ansible-vault; ${VAULT_ADVICE}` }];
  if (typeof value === 'string' && (value.includes('{{') || value.includes('{%'))) {
    return [{ path: at, reason: 'a Jinja template: linkdest does not evaluate templates, write the value itself' }];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => unreadable(v, [...at, i]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => unreadable(v, [...at, k]));
  return [];
}

function parseSource(text: string, file: string): { inventory: AnsibleInventory; problems: string[] } {
  if (looksLikeIni(text)) return parseIniInventory(text, file);
  const y = parseAnsibleYaml(text, file);
  if (y.problems.length > 0) return { inventory: parseIniInventory('', file).inventory, problems: y.problems };
  return ansibleInventoryFromYaml(y, file);
}

/**
 * INI when the first line that says something is a `[section]` or a host line; YAML when it
 * is a `key:`, a `- item`, or a flow collection (`{...}`, `[a, b]`).
 */
export function looksLikeIni(text: string): boolean {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line === '---' || line.startsWith('%')) continue;
    if (/^\[[^\]\s,]*\]\s*(#.*)?$/.test(line) || /^\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\](:\d+)?(\s|$)/.test(line)) return true;
    if (line.startsWith('[') || line.startsWith('{') || /^-(\s|$)/.test(line)) return false;
    return !/^("[^"]*"|'[^']*'|[^\s:#]+)\s*:(\s|$)/.test(line);
  }
  return false;
}

/** Parse an Ansible inventory file's text and its vars directories. Throws InventoryError. */
export async function loadAnsibleInventory(text: string, file: string, ctx: AnsibleLoadContext): Promise<AnsibleResult> {
  const { inventory: inv, problems } = parseSource(text, file);
  if (problems.length > 0) throw new InventoryError(problems);
  reconcile(inv);

  // group_vars/ and host_vars/ beside the file: read once per name.
  const shownDir = path.dirname(file);
  const fileProblems: string[] = [];
  const cache = new Map<string, VarFile[]>();
  const load = async (sub: 'group_vars' | 'host_vars', name: string) => {
    const out: VarFile[] = [];
    for (const full of await varFilesOf(ctx.dir, sub, name)) {
      const r = await readVarFile(full, path.join(shownDir, path.relative(ctx.dir, full)));
      if ('problems' in r) fileProblems.push(...r.problems);
      else out.push(r);
    }
    cache.set(`${sub}/${name}`, out);
  };
  for (const g of inv.groups.keys()) await load('group_vars', g);
  for (const h of inv.hosts.keys()) await load('host_vars', h);
  if (fileProblems.length > 0) throw new InventoryError(fileProblems);
  const files = {
    group: (n: string) => cache.get(`group_vars/${n}`) ?? [],
    host: (n: string) => cache.get(`host_vars/${n}`) ?? [],
  };

  const depths = groupDepths(inv);
  const lines: string[] = [];
  const hosts: HostSpec[] = [];
  const settingsOf: Record<string, Record<string, unknown>> = {};
  const varsOf = new Map<string, Map<string, Var>>();
  const groupsOfHost = new Map<string, string[]>();

  for (const [name, host] of inv.hosts) {
    const groups = hostGroups(inv, name, depths);
    const layers = hostLayers(inv, name, files, groups);
    const vars = flatten(layers);
    varsOf.set(name, vars);
    const linkdestLayers = layersOfLinkdest(layers, lines);
    if (linkdestLayers.length === 0) continue;
    groupsOfHost.set(name, groups);
    if (!NAME.test(name)) {
      lines.push(`${sourceText(host.at)} host "${name}": a backup host's name is letters, digits, ".", "_" or "-"; name it so and set ansible_host`);
      continue;
    }
    for (const l of layers) {
      if (l.encrypted) lines.push(`${l.encrypted}:1 encrypted with ansible-vault and read for ${name}: linkdest does not decrypt vault files; keep linkdest's variables in plain files, secrets in password_file or password_env`);
    }
    const built = buildHost(name, host.at, groups, vars, linkdestLayers, ctx, lines);
    if (built) {
      hosts.push(built.spec);
      settingsOf[name] = built.settings;
    }
  }
  if (lines.length > 0) throw new InventoryError(inFileOrder(lines));

  const groups: Record<string, string[]> = {};
  for (const g of inv.groups.keys()) {
    if (g === 'all') continue;
    const members = hosts.filter((h) => groupsOfHost.get(h.name)!.includes(g)).map((h) => h.name);
    if (members.length > 0) groups[g] = members;
  }
  return { inventory: inv, hosts, groups, settings: settingsOf, vars: varsOf };
}

/** Each line once, by file then line and column (`file:LINE[:COL] reason`). */
function inFileOrder(lines: readonly string[]): string[] {
  const key = (l: string) => {
    const m = /^(.*?):(\d+)(?::(\d+))? /.exec(l);
    return m ? { file: m[1]!, line: Number(m[2]), col: Number(m[3] ?? 0) } : { file: l, line: 0, col: 0 };
  };
  return [...new Set(lines)].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) || x.line - y.line || x.col - y.col;
  });
}

/** The `linkdest` values of a host, lowest first; `~` or `false` in a layer drops the ones below. */
function layersOfLinkdest(layers: readonly VarLayer[], lines: string[]): Var[] {
  let out: Var[] = [];
  for (const l of layers) {
    const v = l.vars.get('linkdest');
    if (v === undefined) continue;
    if (v.value === null || v.value === false) { out = []; continue; }
    if (typeof v.value !== 'object' || Array.isArray(v.value) || v.value instanceof VaultValue) {
      const hint = typeof v.value === 'string' && v.at.col === undefined ? ' (in an INI file write it in group_vars/ or host_vars/ as YAML)' : '';
      lines.push(`${sourceText(v.at)} linkdest: expected a map with the same keys as a host in linkdest.yml${hint}`);
      continue;
    }
    out.push(v);
  }
  return out;
}

function buildHost(
  name: string, at: Source, groups: string[], vars: ReadonlyMap<string, Var>, linkdest: Var[],
  ctx: AnsibleLoadContext, lines: string[],
): { spec: HostSpec; settings: Record<string, unknown> } | undefined {
  let unreadableFound = false;
  const conn = connectionSettings(vars, ctx.cwd);
  for (const p of conn.problems) lines.push(`${sourceText(p.at)} ${p.variable}: ${p.reason}`);
  // Layer `from` is its index here; a problem's path is then [index, ...path in settings].
  const sources: { at: Source; shown: (p: Path) => string; exact: boolean }[] = [];
  const layers: Layer[] = [];
  for (const f of conn.fragments) {
    for (const u of unreadable(vars.get(f.variable)?.value)) { lines.push(`${sourceText(f.at)} ${f.variable}: ${u.reason}`); unreadableFound = true; }
    layers.push({ from: [sources.length], value: f.value });
    sources.push({ at: f.at, shown: () => f.variable, exact: true });
  }
  for (const v of linkdest) {
    for (const u of unreadable(v.value)) { lines.push(`${below(v.at, u.path)} ${issuePath(['linkdest', ...u.path])}: ${u.reason}`); unreadableFound = true; }
    layers.push({ from: [sources.length], value: v.value as Record<string, unknown> });
    sources.push({ at: v.at, shown: (p) => issuePath(['linkdest', ...p]), exact: false });
  }
  // A vault value or a template would only be misread by the schema: reported above alone.
  if (unreadableFound) return undefined;
  const merged = mergeLayers(layers);
  const parsed = hostSettingsSchema.safeParse(merged.value, { error: reasonFor });
  if (!parsed.success) {
    for (const p of toProblems(parsed.error.issues, hostSettingsSchema, (q) => [...merged.origin(q), ...q])) {
      const [index, ...rest] = p.at as [number, ...PropertyKey[]];
      const s = sources[index]!;
      const where = s.exact ? sourceText(s.at) : below(s.at, rest, p.key);
      lines.push(`${where} ${s.shown(rest)}: ${p.reason}${s.exact ? ` (${issuePath(rest)})` : ''}`);
    }
    return undefined;
  }
  const built = buildHostSpec(parsed.data, { name, groups, origin: sourceText(at), dir: ctx.dir, home: ctx.home });
  if (!('spec' in built)) {
    const issues = 'issues' in built ? built.issues.map((i) => ({ path: i.path, message: i.message })) : built.pullProblems.map((p) => ({ path: p.path, message: p.reason }));
    for (const i of issues) lines.push(`${sourceText(at)} ${name}: ${issuePath(i.path)}: ${i.message}`);
    return undefined;
  }
  return { spec: built.spec, settings: merged.value };
}
