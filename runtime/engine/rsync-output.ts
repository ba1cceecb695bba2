/**
 * Parsers of what rsync prints: the --stats block and the per-file complaints on stderr
 * that make it exit 23 (partial transfer) or 24 (files vanished). Pure, table-tested.
 */
export interface RsyncStats {
  files: number;
  regularFiles: number;
  filesTransferred: number;
  totalSize: number;
  bytesTransferred: number;
}

const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s.replace(/[,.]/g, '')));

export function parseRsyncStats(stdout: string): RsyncStats {
  const grab = (re: RegExp): string | undefined => re.exec(stdout)?.[1];
  return {
    files: num(grab(/^Number of files: ([\d,.]+)/m)),
    regularFiles: num(grab(/^Number of files: [\d,.]+ \((?:[^)]*?)reg: ([\d,.]+)/m)),
    filesTransferred: num(grab(/^Number of regular files transferred: ([\d,.]+)/m)),
    totalSize: num(grab(/^Total file size: ([\d,.]+) bytes/m)),
    bytesTransferred: num(grab(/^Total transferred file size: ([\d,.]+) bytes/m)),
  };
}

/** The file names rsync complains about, in order, without duplicates. */
export function filesNamedInErrors(stderr: string): string[] {
  const out = new Set<string>();
  for (const line of stderr.split('\n')) {
    const vanished = /^file has vanished: "(.+)"$/.exec(line.trim());
    if (vanished) { out.add(vanished[1]!); continue; }
    if (!/^rsync: /.test(line) || /^rsync: (?:\[\w+\] )?(?:error|warning)\b/.test(line)) continue;
    const quoted = /"(.+?)"(?: failed)?:/.exec(line) ?? /"(.+)"/.exec(line);
    if (quoted) out.add(quoted[1]!);
  }
  return [...out];
}

const LISTED_GONE = /^rsync: (?:\[sender\] )?link_stat "(.+)" failed: No such file or directory \(2\)$/;

/**
 * A name given to rsync by --files-from that is gone when rsync reads it is `link_stat ...
 * failed: No such file or directory` and exit 23; the same entry met in rsync's own walk of
 * its parent is `file has vanished` and exit 24. A split first copy's passes (split-passes.ts)
 * name subtrees the survey saw, so for them such an exit is read as bare rsync's: 24, when
 * nothing else went wrong.
 */
export function listedGoneAsVanished(code: number, stderr: string): { code: number; stderr: string } {
  if (code !== 23) return { code, stderr };
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => !/^rsync error: some files\/attrs were not transferred/.test(l));
  if (errors.length === 0 || !errors.every((l) => LISTED_GONE.test(l))) return { code, stderr };
  return { code: 24, stderr: errors.map((l) => `file has vanished: "${LISTED_GONE.exec(l)![1]}"`).join('\n') };
}

export function isDiskFull(code: number, stderr: string): boolean {
  return /No space left on device|Disk quota exceeded/.test(stderr) && code !== 0;
}

/** rsync cannot store ACLs or xattrs on this destination (or was built without them). */
export function isAclXattrUnsupported(stderr: string): boolean {
  return /(ACLs|extended attributes) are not supported|lsetxattr|rsync_xal_set|set_acl|Operation not supported \(95\)/.test(stderr);
}

export type RsyncVerdict = { kind: 'ok' } | { kind: 'warning'; message: string } | { kind: 'failed'; message: string };

/** Exit 24 and 23 are warnings that name the files; anything else non-zero fails. */
export function judgeRsyncExit(code: number, stderr: string, source: string): RsyncVerdict {
  if (code === 0) return { kind: 'ok' };
  const files = filesNamedInErrors(stderr);
  const list = files.length > 0 ? `: ${files.slice(0, 20).join(', ')}${files.length > 20 ? ` (and ${files.length - 20} more)` : ''}` : '';
  // The source root itself unreadable (remote path missing, share not mounted) is no partial copy.
  const root = source.replace(/^[^/]*:/, '').replace(/\/+$/, '') || '/';
  const rootFailed = stderr.split('\n').find((l) => l.includes(`change_dir "${root}" failed`) || l.includes(`change_dir "${root}/" failed`));
  if (code === 23 && rootFailed) return { kind: 'failed', message: `${source}: cannot read the source directory: ${rootFailed.replace(/^rsync: /, '').trim()}` };
  if (code === 24) return { kind: 'warning', message: `${source}: files vanished during the copy${list}` };
  if (code === 23) return { kind: 'warning', message: `${source}: some files could not be copied${list}` };
  // rsync's closing lines ("rsync error: unexplained error (code 255)", "connection
  // unexpectedly closed") and its own broken-pipe errors are what the transport's death left
  // behind; they hide the cause (ssh's "Host key verification failed.", "Connection refused").
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const aftermath = /^rsync error: |^rsync: connection unexpectedly closed|^rsync: (\[\w+\] )?(safe_write failed|write error|read error).*(Broken pipe|Connection reset)/;
  const cause = lines.filter((l) => !aftermath.test(l)).slice(-1)[0];
  // ssh's banner says whether the key changed; its last line alone does not tell that from an unknown key.
  const changed = /REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr) && cause?.startsWith('Host key verification failed') ? ' (REMOTE HOST IDENTIFICATION HAS CHANGED)' : '';
  const last = `${cause ?? lines.slice(-1)[0] ?? ''}${changed}`;
  return { kind: 'failed', message: `${source}: rsync exited with ${code}${last ? `: ${last}` : ''}` };
}
