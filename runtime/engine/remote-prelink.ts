/**
 * The pre-link pass of a remote source: the source host's listing (remote-listing.ts) takes
 * the place of the local walk's readdir and lstat, record by record as it arrives, and every
 * regular file the previous snapshot holds unchanged (fast-path.ts `unchanged`, the same test
 * as for a local source) is hard-linked into the new tree. What it does not settle goes into
 * the same lists as the local walk's (prelink.ts `PrelinkResult`), for the same listed rsync
 * passes (copy-source.ts): directories (their attributes), new, changed, non-regular and
 * multiply-linked entries, and new directories, which rsync copies recursively.
 *
 * Only entries below directories that the previous snapshot holds as directories are looked
 * at (as the local walk does, and for the same reason: the previous snapshot already reflects
 * excludes and --one-file-system), so no lstat of the previous snapshot passes through a
 * symlink. A name that is not UTF-8 goes to rsync by its bytes, a directory as a new one
 * (copied recursively), never pre-linked or descended into, as in the local walk.
 * find lists a directory before its contents, so a record's parent has been decided before it.
 */
import { lstatSync, mkdirSync, type BigIntStats } from 'node:fs';
import { unchanged, type FileFacts } from './fast-path.ts';
import type { ListedEntry } from './remote-listing.ts';
import { linkUnchanged } from './walk-dir.ts';
import { LINKED, LOOK, sortByBytes, type DirListing } from './dir-listing.ts';
import type { ListedPath, PrelinkResult } from './prelink.ts';

export interface RemotePrelinkInput {
  prev: string;
  dest: string;
  compareOwner: boolean;
  /** Inner sources, relative to this one: made as directories, never descended. */
  skip?: readonly string[];
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function lstatOrNull(path: string): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
    throw e;
  }
}

const facts = (e: ListedEntry): FileFacts => ({
  isFile: () => e.type === 'f', nlink: e.nlink, mode: e.mode, size: e.size, mtimeNs: e.mtimeNs, uid: e.uid, gid: e.gid, ctimeNs: e.ctimeNs,
});

/** Takes the listing's records one by one (`entry`); `result` holds what rsync is left to do. */
export class RemotePrelinker {
  readonly result: PrelinkResult = { dirs: ['.'], others: [], newDirs: [], multiLinked: [], filesLinked: 0, bytesLinked: 0, linkLimit: 0, warnings: [], threads: 1, listings: [] };
  /**
   * Regular files of the top directory linked here or copied by the first listed pass: the
   * last pass after a remote pre-link lists "." and so sees them again (skipped,
   * --ignore-existing), and its --stats counts them among its files a second time.
   */
  readonly topCountedTwice = { files: 0, bytes: 0 };
  /** Directories descended into (their entries are decided here), by their bytes as latin1. */
  private readonly descended = new Set<string>(['']);
  /**
   * The names met in each descended directory, tagged as the local walk's listings are
   * (dir-listing.ts), for the manifest's walk (`finish`); null for a directory holding a name
   * that is not UTF-8.
   */
  private readonly names = new Map<string, string[] | null>();
  /**
   * The top directory's listing (`finish`), undefined when it holds a name that is not UTF-8.
   * Kept apart: listed as ".", rsync copies any of its children the listing did not have
   * (dot-dir semantics); so it holds only when the copy's top is found as listed once rsync
   * has run (remote-top-listing.ts).
   */
  top: DirListing | undefined;
  private readonly skip: Set<string>;
  /** The previous snapshot's start on the source host's clock (remote-listing.ts `remoteStartNs`); set before the first entry. */
  startNs = 0n;

  constructor(private readonly input: RemotePrelinkInput) {
    this.skip = new Set(input.skip ?? []);
    mkdirSync(input.dest, { recursive: true });
  }

  entry(e: ListedEntry): void {
    if (e.rel.length === 0) return;
    const key = e.rel.toString('latin1');
    const slash = key.lastIndexOf('/');
    if (!this.descended.has(slash < 0 ? '' : key.slice(0, slash))) return;
    const rel = e.rel.toString();
    // Bytes that are not UTF-8 decode to U+FFFD; only a name holding one is checked byte by byte.
    const utf8 = !rel.includes('\uFFFD') || Buffer.from(rel).equals(e.rel);
    const linked = this.decide(e, rel, key, slash, utf8);
    const parent = slash < 0 ? '' : key.slice(0, slash);
    const names = this.names.get(parent);
    if (names === null) return;
    // As the local walk: a directory with a name holding U+FFFD is read by its bytes, unlisted.
    if (rel.includes('\uFFFD')) { this.names.set(parent, null); return; }
    const tagged = (linked ? LINKED : LOOK) + rel.slice(rel.lastIndexOf('/') + 1);
    if (names) names.push(tagged); else this.names.set(parent, [tagged]);
  }

  /**
   * After the last entry: the listings of the directories descended into but the top one,
   * and the top one's apart (`top`): it holds only once rsync has run (remote-top-listing.ts).
   */
  finish(): void {
    for (const [key, names] of this.names) {
      if (!names) continue;
      // Keys are latin1 views of UTF-8 bytes (this directory's name is UTF-8: it was descended into).
      const listing = { dir: key === '' ? '.' : Buffer.from(key, 'latin1').toString(), names: sortByBytes(names.map((n) => ({ name: n.slice(1), n }))).map((x) => x.n).join('/') };
      if (key === '') this.top = listing; else this.result.listings.push(listing);
    }
    if (!this.names.has('')) this.top = { dir: '.', names: '' };
    this.names.clear();
  }

  /** Sorts one entry into the lists, or links it; true when it was hard-linked from PREV. */
  private decide(e: ListedEntry, rel: string, key: string, slash: number, utf8: boolean): boolean {
    const r = this.result;
    const path: ListedPath = utf8 ? rel : e.rel;
    if (e.type === 'd') {
      if (!utf8 || !lstatOrNull(`${this.input.prev}/${rel}`)?.isDirectory()) { r.newDirs.push(path); return false; }
      r.dirs.push(rel);
      mkdirSync(`${this.input.dest}/${rel}`);
      if (!this.skip.has(rel)) this.descended.add(key);
      return false;
    }
    // As the local walk sorts them: a multiply-linked regular file (or a name that is not
    // UTF-8, of any type) into the pass that sees every hard-link group whole.
    if ((e.type === 'f' || !utf8) && e.nlink > 1n) {
      r.multiLinked.push(path);
      if (slash < 0 && e.type === 'f') { this.topCountedTwice.files++; this.topCountedTwice.bytes += Number(e.size); }
      return false;
    }
    if (!utf8 || e.type !== 'f') { r.others.push(path); return false; }
    const p = lstatOrNull(`${this.input.prev}/${rel}`);
    if (!p || !unchanged(facts(e), p, this.startNs, this.input.compareOwner)) { r.others.push(rel); return false; }
    const linked = linkUnchanged(this.input.prev, this.input.dest, rel, e.size, r);
    if (linked && slash < 0) { this.topCountedTwice.files++; this.topCountedTwice.bytes += Number(e.size); }
    return linked;
  }
}
