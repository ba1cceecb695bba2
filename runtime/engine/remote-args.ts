/**
 * What a remote source (`host:/path`) adds to rsync's argv: the remote shell, and `-s`.
 *
 * Without `-s` the path reaches the source host as part of a command line for its login
 * shell. rsync before 3.2.4 (Debian 11, RHEL 8) sends it as is: "/srv/a b" is split in two
 * and "$(...)" runs there. 3.2.4 and later backslash-escape it, which still depends on a
 * POSIX login shell and leaves wildcards to expand. `-s` (--protect-args, renamed
 * --secluded-args in 3.2.6; `-s` is the spelling every version takes) sends names and most
 * options through rsync's own protocol instead: no shell sees them. Both sides take it
 * since rsync 3.0.0 (2008). This side is asked (`rsync --version`); the source host is
 * reached only by the transfer itself, so it needs rsync >= 3.0 (docs/inventory.md).
 * With -s the source host's rsync still expands wildcards in the path itself (glob(3)), so
 * "/srv/g[1]" would pull "/srv/g1": a path holding * ? or [ gets them, and backslashes,
 * escaped (glob is only run on a name holding a wildcard, so other names stay as they are).
 * A source host whose key is restricted to a fixed command line that refuses `-s` can
 * turn it off with `--no-s` in rsync.extra_args (they come later, and the last one wins).
 */
import { run } from '../exec.ts';
import { shellQuoteArgv } from './shell-quote.ts';

/** "rsync  version 3.2.7  protocol version 31" -> does this rsync take -s? (>= 3.0.0) */
export function rsyncTakesSecludedArgs(versionText: string): boolean {
  const m = /version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  return m !== null && Number(m[1]) >= 3;
}

/** `-e RSH` as one string for rsync's own splitter, then `-s` unless this rsync is too old. */
export function remoteShellArgs(rsh: readonly string[], secludedArgs: boolean): string[] {
  return ['-e', shellQuoteArgv(rsh), ...(secludedArgs ? ['-s'] : [])];
}

/** `host:/path` as rsync's source argument: with -s, wildcard characters match only themselves. */
export function remoteSourceArg(spec: string, secludedArgs: boolean): string {
  const colon = spec.indexOf(':');
  const path = spec.slice(colon + 1);
  if (!secludedArgs || colon < 0 || !/[*?[]/.test(path)) return spec;
  return `${spec.slice(0, colon + 1)}${path.replace(/[\\*?[\]]/g, (c) => `\\${c}`)}`;
}

/** Whether the rsync on this host takes -s; the reason when it does not, for the log. */
export async function localSecludedArgs(): Promise<{ ok: boolean; reason?: string }> {
  const v = await run(['rsync', '--version']);
  if (v.code === 0 && rsyncTakesSecludedArgs(v.stdout)) return { ok: true };
  return { ok: false, reason: `rsync on this host is older than 3.0.0 (${v.stdout.split('\n')[0]?.trim() || 'no version'})` };
}
