/** Test helpers: describe a directory tree exactly, so two snapshots can be compared. */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Entry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: string;
  content: string;
  ino: number;
}

/** path -> everything rsync -aH should preserve (plus the inode, compared separately). */
export function describeTree(root: string, skip: (rel: string) => boolean = () => false): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const p = join(root, r);
      const s = lstatSync(p, { bigint: true });
      const type = s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.isFile() ? 'file' : 'other';
      const content = type === 'file' ? createHash('sha1').update(readFileSync(p)).digest('hex') : type === 'link' ? readlinkSync(p) : '';
      out.set(r, { type, mode: Number(s.mode), uid: Number(s.uid), gid: Number(s.gid), size: Number(s.size), mtimeNs: type === 'link' ? '' : String(s.mtimeNs), content, ino: Number(s.ino) });
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

/** The same tree without inode numbers (for "identical content and attributes"). */
export function withoutInodes(t: Map<string, Entry>): Record<string, Omit<Entry, 'ino'>> {
  return Object.fromEntries([...t].map(([k, { ino: _ino, ...rest }]) => [k, rest]));
}

/** Files of `a` that share their inode with the same path in `b`. */
export function sharedWith(a: Map<string, Entry>, b: Map<string, Entry>): string[] {
  return [...a].filter(([k, e]) => e.type === 'file' && b.get(k)?.ino === e.ino).map(([k]) => k).sort();
}
