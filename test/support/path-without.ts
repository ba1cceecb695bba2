/**
 * A PATH on which one program is missing and every other one is where it was: a directory
 * of symlinks to everything on the current PATH but `cmd` (first one of a name wins, as the
 * shell's lookup would). For testing what a command does on a machine without, say, rsync.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface ShadowPath {
  /** The PATH value to give the child process. */
  path: string;
  remove(): void;
}

export function pathWithout(cmd: string, path = process.env.PATH ?? ''): ShadowPath {
  const dir = mkdtempSync(join(tmpdir(), `linkdest-no-${cmd}-`));
  const seen = new Set<string>([cmd]);
  for (const d of path.split(delimiter)) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (seen.has(n)) continue;
      seen.add(n);
      symlinkSync(join(d, n), join(dir, n));
    }
  }
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
