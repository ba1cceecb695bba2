/**
 * OpenSSH host patterns, shared by known_hosts and ssh_config: `*` matches any run of
 * characters, `?` exactly one, and a `!pattern` that matches vetoes the whole list
 * (OpenSSH's match_pattern_list: a negated hit wins over every positive one).
 */

/** Does one glob (`*`, `?`) match the whole name? */
export function matchPattern(pattern: string, name: string): boolean {
  // Iterative glob with backtracking to the last `*`: linear, no regex built from input.
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starN = n;
    } else if (c !== undefined && (c === '?' || c === name[n])) {
      p++;
      n++;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A list matches when some positive pattern does and no negated one does. */
export function matchPatternList(patterns: readonly string[], name: string, opts: { caseInsensitive?: boolean } = {}): boolean {
  const subject = opts.caseInsensitive ? name.toLowerCase() : name;
  let matched = false;
  for (const raw of patterns) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    let pattern = negated ? raw.slice(1) : raw;
    if (opts.caseInsensitive) pattern = pattern.toLowerCase();
    if (!matchPattern(pattern, subject)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}
