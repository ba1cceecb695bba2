/**
 * Quoting for the one place the runtime must hand rsync a command line as a string:
 * `rsync -e` takes the remote shell as one string that rsync splits ITSELF (main.c,
 * do_cmd), never through sh. Its splitter knows single and double quotes and nothing else:
 * no backslash escapes, and a quote character doubled inside quotes of the same kind is a
 * literal one. So sh's `'\''` breaks there (found with a key file named "it's"); the form
 * below is `'it''s'`. The project's sh quoting lives in provision/transport/quote.ts,
 * which the runtime bundle may not import anyway.
 */
export function shellQuoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, "''")}'`;
}

export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuoteWord).join(' ');
}
