/**
 * `group_vars/` and `host_vars/` beside the inventory file, found the way Ansible's
 * host_group_vars plugin documents it: for a group or host NAME the first of `NAME`,
 * `NAME.yml`, `NAME.yaml`, `NAME.json` that exists is used; when it is a directory, every
 * file in it (recursively, in name order, skipping hidden files, `~` backups and other
 * extensions) is read, later files winning. Each file is a YAML (or JSON) map.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isVaultText, type Source, type Vars } from './model.ts';
import { parseAnsibleYaml, yamlSource } from './yaml.ts';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export interface VarFile {
  file: string;
  vars: Vars;
  /** The whole file is ansible-vault encrypted: linkdest cannot read it. */
  encrypted?: boolean;
}

async function kind(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = path.join(dir, name);
    const ext = path.extname(name);
    const k = await kind(full);
    if (k === 'dir' && ext === '') out.push(...await filesIn(full));
    else if (k === 'file' && EXTENSIONS.includes(ext)) out.push(full);
  }
  return out;
}

/** The files holding variables of `name` under `<dir>/group_vars` or `<dir>/host_vars`, in load order. */
export async function varFilesOf(dir: string, sub: 'group_vars' | 'host_vars', name: string): Promise<string[]> {
  if (name.startsWith('/') || name.includes('\0')) return [];
  const base = path.join(dir, sub);
  if (await kind(base) !== 'dir') return [];
  for (const ext of EXTENSIONS) {
    const candidate = path.join(base, name + ext);
    const k = await kind(candidate);
    if (k === 'dir') return filesIn(candidate);
    if (k === 'file') return [candidate];
  }
  return [];
}

/** Read one variables file; `shown` names it in messages (relative like the inventory). */
export async function readVarFile(full: string, shown: string): Promise<VarFile | { problems: string[] }> {
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (e) {
    return { problems: [`${shown}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`] };
  }
  if (isVaultText(text)) return { file: shown, vars: new Map(), encrypted: true };
  const y = parseAnsibleYaml(text, shown);
  if (y.problems.length > 0) return { problems: y.problems };
  const vars: Vars = new Map();
  if (y.data === null || y.data === undefined) return { file: shown, vars };
  if (typeof y.data !== 'object' || Array.isArray(y.data)) {
    return { problems: [`${shown}:1:1 expected a map of variables (NAME: value)`] };
  }
  for (const [k, v] of Object.entries(y.data as Record<string, unknown>)) {
    const at: Source = yamlSource(shown, y, [k]);
    vars.set(k, { value: v, at });
  }
  return { file: shown, vars };
}
