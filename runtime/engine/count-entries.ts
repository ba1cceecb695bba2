/**
 * The number of entries in a copied tree, the tree's own directory included (what rsync's
 * "Number of files" says for a whole-tree mirror). The pre-link passes cannot take rsync's
 * figure: with --files-from, rsync counts every implied parent directory of a listed path
 * again (and "." twice), so their sum overstates the snapshot. One readdir per directory,
 * no stat per file: a fraction of the pre-link walk it follows. Names are bytes, as on disk.
 */
import { readdirSync } from 'node:fs';

export function countEntries(root: string): number {
  let n = 1;
  const stack = [Buffer.from(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const d of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
      n++;
      if (d.isDirectory()) stack.push(Buffer.concat([dir, Buffer.from('/'), d.name]));
    }
  }
  return n;
}
