/**
 * `rsync.extra_args` read the way rsync reads them, in one place: which options they hold,
 * each by its long name (`-S` and `--sparse` are one option), with its value. Every rule
 * about extra_args asks this reader instead of matching strings of its own: the fast path
 * and the refusals (fast-path.ts `classifyExtraArgs`), writing in place (`writeInPlace`),
 * rsync's hashes (transfer-sums.ts `sumsAllowed`), how the spot check reaches a source's
 * rsync (spot-check-remote.ts). So a value is never taken for an option (`--exclude -n`
 * excludes "-n", it is no dry run) and an option is seen however it is spelled (`-avS`,
 * `--rsync-path X` and `--rsync-path=X`).
 *
 * An option this reader does not know to take a value is read as one without: its value,
 * if it has one, is then read as options too. That errs towards seeing an option (the fast
 * path off, a hash not taken), never towards missing one.
 */

export interface ExtraOption {
  /** The option's long name (`--sparse` for `-S`, `--checksum-choice` for `--cc`); `-F` for a letter with no long name; '' for an operand. */
  name: string;
  /** As written: `--bwlimit` (without its `=value`), `-S` for a letter of a bundle, the operand itself. */
  written: string;
  /** The bundle a letter came from (`-avS`), when it held more than that letter. */
  bundle?: string;
  /** The option's value, when it takes one. */
  value?: string;
}

/** Long options that take the next argument as their value when not written `--opt=value`. */
const TAKES_VALUE = new Set([
  '--exclude', '--include', '--filter', '--exclude-from', '--include-from', '--files-from', '--link-dest', '--compare-dest',
  '--copy-dest', '--backup-dir', '--suffix', '--partial-dir', '--temp-dir', '--max-delete', '--max-size', '--min-size',
  '--bwlimit', '--timeout', '--contimeout', '--modify-window', '--info', '--debug', '--compress-level', '--compress-choice',
  '--checksum-choice', '--checksum-seed', '--out-format', '--log-file', '--log-file-format', '--chmod', '--chown', '--usermap',
  '--groupmap', '--rsync-path', '--rsh', '--block-size', '--outbuf', '--iconv', '--read-batch', '--write-batch',
  '--only-write-batch', '--skip-compress', '--address', '--port', '--sockopts', '--password-file', '--stop-after',
  '--stop-at', '--max-alloc', '--copy-as', '--early-input', '--remote-option',
]);

/** Other spellings of one option (rsync's aliases). */
const ALIAS: Record<string, string> = {
  '--cc': '--checksum-choice', '--zc': '--compress-choice', '--zl': '--compress-level', '--log-format': '--out-format',
  '--protect-args': '--secluded-args', '--del': '--delete-during', '--ignore-non-existing': '--existing',
};

/** Short letters by long name (rsync's --help); a letter not here keeps its `-x` name. */
const LETTER: Record<string, string> = {
  v: '--verbose', q: '--quiet', h: '--human-readable', z: '--compress', W: '--whole-file', s: '--secluded-args',
  S: '--sparse', a: '--archive', H: '--hard-links', i: '--itemize-changes', 8: '--8-bit-output', n: '--dry-run',
  R: '--relative', b: '--backup', c: '--checksum', e: '--rsh', f: '--filter', T: '--temp-dir', B: '--block-size',
  M: '--remote-option', '@': '--modify-window', x: '--one-file-system', u: '--update', I: '--ignore-times',
};
/** Letters that take a value: the rest of their bundle, or the next argument. */
const LETTER_TAKES_VALUE = new Set([...'efTBM@']);

export function readExtraArgs(args: readonly string[]): ExtraOption[] {
  const out: ExtraOption[] = [];
  // An option for the other end's rsync (-M, --remote-option) counts as one given here too:
  // the rules see what either end is told (a remote --dry-run makes no snapshot either).
  const push = (o: ExtraOption): void => {
    out.push(o);
    if (o.name === '--remote-option' && o.value?.startsWith('-')) out.push(...readExtraArgs([o.value]));
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const written = eq < 0 ? arg : arg.slice(0, eq);
      const name = ALIAS[written] ?? written;
      const value = eq >= 0 ? arg.slice(eq + 1) : TAKES_VALUE.has(name) && i + 1 < args.length ? args[++i] : undefined;
      push({ name, written, ...(value !== undefined ? { value } : {}) });
      continue;
    }
    if (!arg.startsWith('-') || arg.length === 1) {
      out.push({ name: '', written: arg });
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const letter = arg[k]!;
      const o: ExtraOption = { name: LETTER[letter] ?? `-${letter}`, written: `-${letter}`, ...(arg.length > 2 ? { bundle: arg } : {}) };
      if (LETTER_TAKES_VALUE.has(letter)) {
        const rest = arg.slice(k + 1);
        const value = rest !== '' ? rest : i + 1 < args.length ? args[++i] : undefined;
        if (value !== undefined) o.value = value;
        push(o);
        break;
      }
      push(o);
    }
  }
  return out;
}

/** Does `args` hold an option of one of these long names? */
export function hasExtraOption(args: readonly string[], names: ReadonlySet<string>): boolean {
  return readExtraArgs(args).some((o) => names.has(o.name));
}

/** An option as rsync takes it in one argument (`--rsync-path=VALUE`), for passing it on. */
export function optionArg(o: ExtraOption): string {
  return o.value === undefined ? o.name : `${o.name}=${o.value}`;
}
