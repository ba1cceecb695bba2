/**
 * POSIX single-quoting for the one place the runtime must hand rsync a command line as a
 * string: `rsync -e` takes the remote shell as one string that rsync splits itself. The
 * project's quoting function lives in provision/transport/quote.ts, but the runtime is
 * bundled alone and may not import provision/, so this is its own copy for that single use.
 * rsync's splitter honours single quotes the way sh does, so the same form works.
 */
export function shellQuoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuoteWord).join(' ');
}
