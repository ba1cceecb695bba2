/** Splits the gather script's output into sections (`@@NONCE KIND [ARG]` header lines). */

export interface Section {
  kind: string;
  /** Index or device path after the kind; '' when none. */
  arg: string;
  body: string;
}

export function splitSections(output: string, nonce: string): Section[] {
  const header = `@@${nonce} `;
  const sections: Section[] = [];
  let current: { kind: string; arg: string; lines: string[] } | undefined;
  const flush = (): void => {
    if (current) sections.push({ kind: current.kind, arg: current.arg, body: current.lines.join('\n').replace(/\n+$/, '') });
  };
  for (const line of output.split('\n')) {
    if (line.startsWith(header)) {
      flush();
      const rest = line.slice(header.length);
      const sp = rest.indexOf(' ');
      current = sp < 0 ? { kind: rest, arg: '', lines: [] } : { kind: rest.slice(0, sp), arg: rest.slice(sp + 1), lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return sections;
}

/** `key value` lines into a map (first word is the key). */
export function keyValueLines(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of body.split('\n')) {
    const sp = line.indexOf(' ');
    if (line === '') continue;
    out.set(sp < 0 ? line : line.slice(0, sp), sp < 0 ? '' : line.slice(sp + 1));
  }
  return out;
}
