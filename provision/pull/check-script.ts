/**
 * The forced command of the pull key on a source host: a small POSIX sh script, so the
 * source needs nothing but sshd, sh and rsync. It lets the key do exactly one thing: a
 * read-only rsync of the paths it is given (`rsync --server --sender [options] . PATH...`,
 * each PATH one of them, with or without a trailing /). It refuses, by name:
 *   - any other command, and no command at all (a shell);
 *   - -s/--protect-args: the paths would then arrive over the protocol, unseen by this check;
 *   - -L/-k/--copy-*links: the sender would follow symlinks out of the allowed paths;
 *   - options that read or write files of the source host (--files-from, --*-from, --filter,
 *     --log-file, --*-batch, --*-dir, --*-dest, --remove-source-files, --copy-as, --mkpath);
 *   - any character outside a safe set (quotes, $, `, ;, \, wildcards, newlines...), so the
 *     command splits into the words rsync sent, none of them expanded (set -f, IFS=space).
 * Why not rrsync: it serves one directory per key and maps the client's paths below it
 * (so `/Apps` must be asked for as `/`), which would change where the pull lands in the
 * snapshot, and several paths of one host need one key line each (docs/pull.md).
 * One other command is run: the listing of one allowed path that the runtime's pre-link pass
 * reads (`date +%s && find PATH [-xdev] -printf FORMAT -print0`, exactly; see
 * runtime/engine/remote-listing.ts). It runs as the key's user, also with --sudo: a
 * directory that user cannot read is missing from the listing, and what is missing is
 * left to rsync, never linked.
 * Its decision is table-tested by running it (test/unit/pull/check-script.test.ts).
 */
export const CHECK_SCRIPT_PATH = '/usr/local/lib/linkdest/pull-check';

export const CHECK_SCRIPT = `#!/bin/sh
# linkdest pull check: forced command of the linkdest pull key (managed by linkdest; docs/pull.md).
# Usage (from authorized_keys): pull-check [--sudo] RSYNC PATH...
set -f
refuse() { echo "linkdest pull-check: refused: $1" >&2; exit 1; }
sudo=
if [ "\${1-}" = --sudo ]; then sudo=1; shift; fi
rsync=\${1-}
[ -n "$rsync" ] && shift
[ $# -gt 0 ] || refuse "no allowed paths"
allowed=$*
cmd=\${SSH_ORIGINAL_COMMAND-}
[ -n "$cmd" ] || refuse "no command: this key only reads with rsync"
IFS=' '
case $cmd in
  'date +%s && find '*)
    # The one other command: the listing of an allowed path (runtime/engine/remote-listing.ts),
    # compared word for word; it reads no file outside the path and writes none.
    set -- $cmd
    p=\${5-}
    xdev=
    if [ $# -eq 9 ] && [ "$6" = -xdev ]; then xdev=-xdev; rest="$7 $8 $9"; else rest="\${6-} \${7-} \${8-}"; fi
    [ $# -eq 8 ] || [ -n "$xdev" ] || refuse "not the listing command"
    [ "$1 $2 $3 $4" = 'date +%s && find' ] && [ "$rest" = '-printf %y/%m/%U/%G/%s/%T@/%C@/%n/ -print0' ] || refuse "not the listing command"
    ok=
    for a in $allowed; do [ "$p" = "$a" ] && ok=1; done
    [ -n "$ok" ] || refuse "path $p is not one this key may read"
    date +%s && exec find "$p" $xdev -printf '%y/%m/%U/%G/%s/%T@/%C@/%n/' -print0 ;;
esac
case $cmd in
  *[!A-Za-z0-9_.,:/=+@%\\ -]*) refuse "unexpected characters in the command" ;;
esac
IFS=' '
set -- $cmd
[ "\${1-}" = rsync ] && [ "\${2-}" = --server ] && [ "\${3-}" = --sender ] || refuse "not a read-only rsync (rsync --server --sender)"
shift 3
while [ $# -gt 0 ] && [ "$1" != . ]; do
  o=$1
  shift
  case $o in
    --|--server|--sender|--daemon*|--config*|--protect-args|--secluded-args|--no-protect-args*|--remove-source-files|--remove-sent-files|\\
    --files-from*|--include-from*|--exclude-from*|--filter*|--log-file*|--write-batch*|--only-write-batch*|--read-batch*|\\
    --copy-links|--copy-unsafe-links|--copy-dirlinks|--temp-dir*|--partial-dir*|--backup-dir*|--compare-dest*|--copy-dest*|\\
    --link-dest*|--copy-as*|--mkpath|--rsync-path*|--early-input*|--sockopts*)
      refuse "option $o" ;;
    --*) ;;
    -*)
      short=\${o#-}
      short=\${short%%e*}
      case $short in *[sLk]*) refuse "option $o" ;; esac ;;
    *) refuse "unexpected word $o" ;;
  esac
done
[ "\${1-}" = . ] || refuse "no paths"
shift
[ $# -gt 0 ] || refuse "no paths"
for p in "$@"; do
  ok=
  for a in $allowed; do
    if [ "$p" = "$a" ] || [ "$p" = "$a/" ]; then ok=1; break; fi
  done
  [ -n "$ok" ] || refuse "path $p is not one this key may read"
done
set -- $cmd
shift
if [ -n "$sudo" ]; then exec sudo -n -- "$rsync" "$@"; fi
exec "$rsync" "$@"
`;

/** The command="..." of the key line: words without quotes, spaces or backslashes (checked by the inventory). */
export function forcedCommand(o: { rsync: string; paths: readonly string[]; sudo: boolean }): string {
  for (const w of [o.rsync, ...o.paths]) {
    if (!/^\/[A-Za-z0-9_.,:/=+@%-]*$/.test(w)) throw new Error(`${JSON.stringify(w)}: a pulled path may hold only letters, digits and _ . , : / = + @ % -`);
  }
  return [CHECK_SCRIPT_PATH, ...(o.sudo ? ['--sudo'] : []), o.rsync, ...o.paths].join(' ');
}

/** /etc/sudoers.d/ rule of source_user: rsync as root, as a read-only server only. */
export function sudoersRule(user: string, rsync: string): string {
  return `# managed by linkdest: ${user} may run rsync as root for the linkdest pull only (docs/pull.md)\n`
    + `${user} ALL=(root) NOPASSWD: ${rsync} --server --sender *\n`;
}
