/**
 * Before rsync works on a tree that already holds files (a resumed partial, a retry after
 * a full disk), unlink every regular file that shares its inode with another snapshot.
 * rsync updates permissions, owner and times of an up-to-date file IN PLACE, so a shared
 * inode would carry a chmod into the older snapshot (the `cp -al` bug). Unchanged files
 * come back as links via --link-dest; private copies (nlink 1), the costly part, are kept.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';

export function detachShared(root: string): number {
  let removed = 0;
  const stack = [Buffer.from(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      continue;
    }
    for (const d of entries) {
      const p = Buffer.concat([dir, Buffer.from('/'), d.name]);
      if (d.isDirectory()) stack.push(p);
      else if (d.isFile() && lstatSync(p).nlink > 1) { unlinkSync(p); removed++; }
    }
  }
  return removed;
}
