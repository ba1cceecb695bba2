/**
 * From the path a person knows (`/Apps/db/x.conf` on the host) to where that path lives
 * inside a snapshot (`Apps/db/x.conf`), and back. The mapping is the runtime's own
 * (layout.ts sourceSubdir), so restore can never disagree with how the snapshot was made.
 */
import { LinkdestError, EXIT } from '../errors.ts';
import { atOrUnder, isRemoteSource, remoteSourceParts, sourceSubdir } from '../layout.ts';
import { splitRemoteSpec } from '../engine/remote-listing.ts';

export interface SnapshotLocation {
  /** The source (as configured) the path belongs to. */
  source: string;
  /** Path inside the snapshot directory, no leading slash; '' is the snapshot root. */
  rel: string;
  /** The path as given, normalised (`/Apps/x`, or `host:/srv/x` for a pulled source). */
  original: string;
  remote: boolean;
}

const usage = (message: string): LinkdestError => new LinkdestError(message, { step: 'path', exitCode: EXIT.usage });

/** `/Apps//x/./y/` -> `/Apps/x/y`; rejects relative paths and `..`, which could leave the source. */
export function normalizePath(input: string): string {
  const remote = remoteSourceParts(input);
  const path = remote ? remote.path : input;
  if (!path.startsWith('/')) throw usage(`${JSON.stringify(input)}: expected an absolute path as it is on the host, like /Apps/file`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw usage(`${JSON.stringify(input)}: ".." is not allowed; give the path without it`);
  if (/[\0]/.test(path)) throw usage('a path cannot contain a NUL byte');
  const abs = `/${parts.join('/')}`;
  return remote ? `${remote.login}:${abs}` : abs;
}

/** Host part of a pulled source, without the user (`root@web:/srv` -> `web`), as rsync's remote shell is given it. */
const remoteHost = (spec: string): string | undefined => splitRemoteSpec(spec)?.hostArgs.at(-1);

/**
 * Which source `path` belongs to (the longest matching one) and where it is in a snapshot.
 * Undefined when the path is outside every source: it was never backed up.
 */
export function locateInSnapshot(path: string, sources: readonly string[]): SnapshotLocation | undefined {
  const original = normalizePath(path);
  const want = sourceSubdir(original);
  let best: { source: string; len: number } | undefined;
  for (const source of sources) {
    if (isRemoteSource(source) !== isRemoteSource(original)) continue;
    if (isRemoteSource(source) && remoteHost(source) !== remoteHost(original)) continue;
    const sub = sourceSubdir(source);
    const inside = atOrUnder(want, sub);
    if (inside && (!best || sub.length > best.len)) best = { source, len: sub.length };
  }
  if (!best) return undefined;
  return { source: best.source, rel: want, original, remote: isRemoteSource(original) };
}

/** The error for a path no source covers, naming the sources so the fix is obvious. */
export function notBackedUp(path: string, sources: readonly string[]): LinkdestError {
  return usage(`${path} is not inside any backed-up source (sources: ${sources.join(', ')})`);
}
