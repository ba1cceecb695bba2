/**
 * A remote source's tree as one listing, fetched over the source's own remote shell in one
 * pass, so the pre-link decision (fast-path.ts `unchanged`) can be made for `host:/path`
 * as it is for a local directory. The source host needs nothing rsync does not: a POSIX
 * shell, `date` and GNU find (`-printf`); without them the listing fails and the source is
 * mirrored as before.
 *
 * The command is fixed, word for word (the pull key's forced command recognises exactly this
 * form, provision/pull/check-script.ts):
 *   date +%s && find PATH [-xdev] -printf %y/%m/%U/%G/%s/%T@/%C@/%n/ -print0
 * One record per entry: type, permission bits (octal), uid, gid, size, mtime and ctime as
 * seconds with ten fraction digits (GNU find prints the nanoseconds exactly), link count,
 * then the path as find prints it, NUL-terminated: a name may hold any byte but NUL.
 * PATH enters a string a shell reads, so it must consist of characters no shell expands
 * (the same set the pull key allows); any other path is mirrored.
 *
 * `date` gives the source host's clock: the ctime test compares the source's ctimes (its
 * clock) with the previous snapshot's start (this host's clock), see `remoteStartNs`.
 */
import { spawn } from 'node:child_process';

export const LISTING_FORMAT = '%y/%m/%U/%G/%s/%T@/%C@/%n/';
const SAFE_PATH = /^\/[A-Za-z0-9_.,:/=+@%-]*$/;

export interface ListedEntry {
  /** find's %y: f d l b c p s (D for doors). */
  type: string;
  /** Path below the source, as bytes; empty for the source directory itself. */
  rel: Buffer;
  mode: bigint;
  uid: bigint;
  gid: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  nlink: bigint;
}

/** `user@host:/path` -> what rsync hands its remote shell: `-l user host`, and the path. */
export function splitRemoteSpec(spec: string): { hostArgs: string[]; path: string } | undefined {
  const bracket = spec.indexOf('[');
  const colon = spec.indexOf(':', bracket >= 0 && bracket < spec.indexOf(':') ? spec.indexOf(']') : 0);
  if (colon <= 0) return undefined;
  const at = spec.lastIndexOf('@', bracket >= 0 ? bracket : colon);
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  let host = spec.slice(at + 1, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!host || host.startsWith('-') || user === '') return undefined;
  return { hostArgs: [...(user ? ['-l', user] : []), host], path: spec.slice(colon + 1).replace(/\/+$/, '') || '/' };
}

/** The command line sent to the source host, or why there is none. */
export function listingCommand(path: string, oneFileSystem: boolean): { command: string } | { reason: string } {
  if (!SAFE_PATH.test(path)) return { reason: 'its path holds characters other than letters, digits and _ . , : / = + @ % -' };
  return { command: ['date', '+%s', '&&', 'find', path, ...(oneFileSystem ? ['-xdev'] : []), '-printf', LISTING_FORMAT, '-print0'].join(' ') };
}

const TIME = /^\d+\.\d{10}$/;
const INT = /^\d+$/;
const PERM = /^[0-7]{1,5}$/;
/** An empty, `.` or `..` component of `/rel/`. */
const BAD_COMPONENT = /\/\.{0,2}\//;
const TYPE_BITS: Record<string, bigint> = { f: 0o100000n, d: 0o040000n, l: 0o120000n, b: 0o060000n, c: 0o020000n, p: 0o010000n, s: 0o140000n };

/** `SECONDS.NNNNNNNNNN` (find's %T@: ten fraction digits, the last always 0) as nanoseconds. */
function nsOf(t: string): bigint | undefined {
  return TIME.test(t) ? BigInt(`${t.slice(0, -11)}${t.slice(-10, -1)}`) : undefined;
}

/** One record (`out[start, end)`, without its NUL) of a listing of the path whose root and prefix these are. */
function parseRecord(out: Buffer, start: number, end: number, root: string, prefix: string, path: string, n: number): ListedEntry {
  // latin1: one character per byte, so string offsets are byte offsets (the name may be any bytes).
  const text = out.toString('latin1', start, end);
  const fields: string[] = [];
  let at = 0;
  for (let k = 0; k < 8; k++) {
    const slash = text.indexOf('/', at);
    if (slash < 0) throw new Error(`listing record ${n} has fewer than 8 fields`);
    fields.push(text.slice(at, slash));
    at = slash + 1;
  }
  const full = text.slice(at);
  const [type, perm, uid, gid, size, mtime, ctime, nlink] = fields as [string, string, string, string, string, string, string, string];
  const mtimeNs = nsOf(mtime);
  const ctimeNs = nsOf(ctime);
  if (!TYPE_BITS[type] && type !== 'D') throw new Error(`listing record ${n}: unknown type ${type}`);
  if (!PERM.test(perm) || !INT.test(uid) || !INT.test(gid) || !INT.test(size) || !INT.test(nlink) || mtimeNs === undefined || ctimeNs === undefined) {
    throw new Error(`listing record ${n} is not ${LISTING_FORMAT}: ${fields.join('/')}`);
  }
  let rel: Buffer;
  if (full === root) rel = Buffer.alloc(0);
  else if (full.length > prefix.length && full.startsWith(prefix)) {
    // find never prints these; a source host that does is not trusted to name paths here.
    if (`/${full.slice(prefix.length)}/`.search(BAD_COMPONENT) >= 0) throw new Error(`listing record ${n} has an empty, . or .. path component`);
    // A copy: the record outlives the chunk it came in only as far as its consumer keeps it.
    rel = Buffer.from(out.subarray(start + at + prefix.length, end));
  } else throw new Error(`listing record ${n} is outside ${path}`);
  return { type, rel, mode: (TYPE_BITS[type] ?? 0n) | BigInt(`0o${perm}`), uid: BigInt(uid), gid: BigInt(gid), size: BigInt(size), mtimeNs, ctimeNs, nlink: BigInt(nlink) };
}

/**
 * Reads a listing of `path` as it arrives, chunk by chunk, handing each record to `onEntry`
 * and keeping only the unfinished last one: memory stays bounded whatever the tree's size.
 * Strict: a record that is not exactly as the format prints it, or whose path has an empty,
 * `.` or `..` component (a hostile source host could otherwise name files outside the new
 * tree), throws; a last record without its NUL (a cut stream) is never handed on, since an
 * entry missing from the listing is only ever left to rsync.
 */
export class ListingReader {
  private readonly prefix: string;
  private readonly root: string;
  private rest: Buffer = Buffer.alloc(0);
  count = 0;

  constructor(private readonly path: string, private readonly onEntry: (e: ListedEntry) => void) {
    this.prefix = Buffer.from(path === '/' ? '/' : `${path}/`).toString('latin1');
    this.root = Buffer.from(path).toString('latin1');
  }

  push(chunk: Buffer): void {
    const out = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let end = out.indexOf(0, start); end >= 0; start = end + 1, end = out.indexOf(0, start)) {
      this.onEntry(parseRecord(out, start, end, this.root, this.prefix, this.path, ++this.count));
    }
    this.rest = Buffer.from(out.subarray(start));
  }
}

/** The records of a whole listing of `path` (ListingReader's rules). */
export function parseListing(out: Buffer, path: string): ListedEntry[] {
  const entries: ListedEntry[] = [];
  new ListingReader(path, (e) => entries.push(e)).push(out);
  return entries;
}

/**
 * The previous snapshot's start on the source host's clock, never later than it was: the
 * source said `date +%s` (whole seconds, rounded down) at some moment between `sentMs` and
 * `doneMs` of this host, so its clock is at least `remoteSec - doneMs` ahead of this one.
 * A ctime before this bound is before the previous start on either clock.
 */
export function remoteStartNs(prevStartedMs: number, remoteSec: number, doneMs: number): bigint {
  return (BigInt(Math.floor(prevStartedMs)) + BigInt(remoteSec) * 1000n - BigInt(Math.ceil(doneMs))) * 1_000_000n;
}

export type ListingOutcome =
  /** `complete`: find exited 0 (every directory read, nothing vanished) and the stream parsed to its end. */
  | { entries: number; remoteSec: number; doneMs: number; complete: boolean; problem?: string }
  | { reason: string };

/**
 * Runs the listing over `rsh`, handing each record to `onEntry` as it arrives, the first
 * (the source directory itself) after `onStart` got the source host's clock: `doneMs` is
 * this host's time when `date`'s line arrived, after the source host printed it. A listing
 * that cannot be had (no record of the source directory) says why, and no entry was handed
 * on: the source is then mirrored. A listing that stops short (find's complaint about an
 * unreadable or vanished directory, a record that does not parse) is `complete: false`: what
 * was handed on is good, and the rest is rsync's to find.
 */
export function streamListing(
  rsh: readonly string[], spec: string, oneFileSystem: boolean,
  onStart: (remoteSec: number, doneMs: number) => void, onEntry: (e: ListedEntry) => void, signal?: AbortSignal,
): Promise<ListingOutcome> {
  const split = splitRemoteSpec(spec);
  if (!split) return Promise.resolve({ reason: `cannot tell host and path apart in ${spec}` });
  const cmd = listingCommand(split.path, oneFileSystem);
  if ('reason' in cmd) return Promise.resolve(cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(rsh[0]!, [...rsh.slice(1), ...split.hostArgs, cmd.command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, signal });
    /** An error of the consumer (linking into the new tree: a full disk...): the run's, not the listing's. */
    let consumerError: unknown;
    let head: Buffer | undefined = Buffer.alloc(0);
    let clock: { remoteSec: number; doneMs: number } | undefined;
    let rootSeen = false;
    let problem: string | undefined;
    let failed: string | undefined;
    let stderr = '';
    const reader = new ListingReader(split.path, (e) => {
      if (!rootSeen) {
        if (e.rel.length !== 0 || e.type !== 'd') throw new Error(`its first record is not the directory ${split.path}`);
        rootSeen = true;
        try { onStart(clock!.remoteSec, clock!.doneMs); } catch (err) { consumerError = err; throw err; }
      }
      try { onEntry(e); } catch (err) { consumerError = err; throw err; }
    });
    const stop = (why: string): void => {
      if (rootSeen) problem ??= why;
      else failed ??= why;
      child.stdout.destroy();
      child.kill();
    };
    child.stdout.on('data', (c: Buffer) => {
      if (failed || problem || consumerError) return;
      try {
        if (head) {
          head = Buffer.concat([head, c]);
          const nl = head.indexOf(0x0a);
          if (nl < 0) return;
          const sec = head.toString('latin1', 0, nl);
          if (!INT.test(sec)) { stop('the source host gave no listing'); return; }
          clock = { remoteSec: Number(sec), doneMs: Date.now() };
          c = head.subarray(nl + 1);
          head = undefined;
        }
        reader.push(c);
      } catch (e) {
        if (consumerError) { child.stdout.destroy(); child.kill(); return; }
        stop(`the source host's listing is not as expected: ${(e as Error).message}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; if (stderr.length > 65536) stderr = stderr.slice(-4096); });
    child.on('error', (e) => { failed ??= `cannot run ${rsh[0]}: ${(e as NodeJS.ErrnoException).code ?? e.message}`; });
    child.on('close', (code) => {
      const last = stderr.trim().split('\n').pop() ?? '';
      const exit = `exit ${code}${last ? `: ${last}` : ''}`;
      if (consumerError) { reject(consumerError); return; }
      if (!rootSeen) {
        resolve({ reason: failed && failed !== 'the source host gave no listing' ? failed : clock ? `the source host gave no listing of ${split.path} (${exit})` : `the source host gave no listing (${exit})` });
        return;
      }
      // find's own complaints (an unreadable directory, one that vanished) leave that part out
      // of the listing: the listing is still good for what it holds.
      resolve({ entries: reader.count, ...clock!, complete: !problem && code === 0, ...(problem || code !== 0 ? { problem: problem ?? `find ${exit}` } : {}) });
    });
  });
}
