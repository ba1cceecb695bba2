/**
 * The one POSIX shell quoting function of the project. Everything that must cross a shell
 * (SSH exec hands the remote login shell a single string) is built here from an argv array;
 * nothing else in the code base concatenates user values into a shell string.
 *
 * The remote login shell must be POSIX-like (sh, dash, bash, zsh, ksh): csh and fish parse
 * single quotes differently.
 */

/**
 * Words made only of these characters mean the same quoted or not. `=` is left out so an
 * argv[0] such as `A=B` can never turn into an assignment, `~` so nothing tilde-expands.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Quote one argument so that a POSIX shell reads it back as exactly these bytes. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    // A NUL byte cannot travel in an argv at all; failing here beats silent truncation.
    throw new Error('argument contains a NUL byte, which no command line can carry');
  }
  if (SAFE_WORD.test(arg)) return arg;
  // Inside single quotes nothing is special except the closing quote itself, which we
  // end, emit escaped, and reopen: it's -> 'it'\''s'.
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Quote a whole command line; the shell splits it back into exactly `argv`. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('cannot quote an empty command');
  return argv.map(quoteArg).join(' ');
}
