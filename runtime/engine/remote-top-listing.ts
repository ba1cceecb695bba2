/**
 * Whether a remote source's top-directory listing (remote-prelink.ts `top`) describes the
 * copy's top once rsync has run. rsync is given that directory as "." (dot-dir semantics:
 * all its children, with --ignore-existing), so it may add a child the listing never had
 * (made on the source host after find read the directory); every deeper directory is given
 * by name, --no-r, and holds exactly its listing. A child the source lost since stays, as
 * linked (rsync 3.5 was seen not to delete it; the check would catch it if one did). The
 * listing holds when every name in the copy's top is in it and every name it says was
 * linked is still PREV's inode there. Then the manifest may take it (its merge beside
 * rsync, manifest/ahead.ts, included); otherwise the top is read as in a full walk. */
import { lstatSync, readdirSync } from 'node:fs';
import { LINKED, type DirListing } from './dir-listing.ts';

export function topListingHolds(dest: string, prev: string, top: DirListing): boolean {
  const listed = new Map(top.names === '' ? [] : top.names.split('/').map((n) => [n.slice(1), n[0] === LINKED] as const));
  for (const name of readdirSync(dest)) if (!listed.has(name)) return false;
  for (const [name, linked] of listed) {
    if (!linked) continue;
    const a = lstatSync(`${dest}/${name}`, { throwIfNoEntry: false });
    const b = lstatSync(`${prev}/${name}`, { throwIfNoEntry: false });
    if (!a || !b || a.ino !== b.ino || a.dev !== b.dev) return false;
  }
  return true;
}
