/**
 * The two text rules of Ansible's INI inventory, written from its documentation:
 * - a host line is split into words the way POSIX `shlex.split(line, comments=True)` does
 *   (quotes group and disappear, a backslash escapes, `#` outside quotes ends the line);
 * - every `key=value` value (inline or in `[group:vars]`) is read as a Python literal
 *   (`ast.literal_eval`): numbers, quoted strings, True/False/None, lists, tuples, dicts;
 *   anything that is not one stays the text it was (`yes`, `FALSE`, `a b`).
 * Only the literal forms an inventory plausibly holds are understood; for any other form
 * the text is kept, which is also what Ansible does with text it cannot evaluate.
 */

/** Words of a host line, or the reason it has none (an unclosed quote). */
export function shlexSplit(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) { words.push(word); word = ''; inWord = false; }
      i++;
    } else if (c === '#') {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: 'no closing quotation' };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return { error: 'no closing quotation' };
        const d = line[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\' && i + 1 < line.length && '\\"$`\n'.includes(line[i + 1]!)) { word += line[i + 1]; i += 2; continue; }
        word += d;
        i++;
      }
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'no escaped character' };
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

class NotALiteral extends Error {}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

class LiteralReader {
  private i = 0;
  constructor(private readonly s: string) {}

  read(): unknown {
    const v = this.value();
    this.space();
    if (this.i < this.s.length) throw new NotALiteral();
    return v;
  }

  /** Blanks and a trailing `# comment` (Python source allows both). */
  private space(): void {
    for (;;) {
      while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i]!)) this.i++;
      if (this.s[this.i] === '#') { const nl = this.s.indexOf('\n', this.i); this.i = nl < 0 ? this.s.length : nl; continue; }
      return;
    }
  }

  private value(): unknown {
    this.space();
    const c = this.s[this.i];
    if (c === undefined) throw new NotALiteral();
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.dict();
    if (c === "'" || c === '"') return this.strings();
    if (/[-+0-9.]/.test(c)) return this.number();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
    }
    throw new NotALiteral();
  }

  private sequence(close: string): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.space();
      if (this.s[this.i] === close) { this.i++; return out; }
      out.push(this.value());
      this.space();
      if (this.s[this.i] === ',') { this.i++; continue; }
      if (this.s[this.i] === close) { this.i++; return out; }
      throw new NotALiteral();
    }
  }

  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.s[this.i] === '}') { this.i++; return out; }
      const k = this.value();
      if (typeof k === 'object' && k !== null) throw new NotALiteral();
      this.space();
      if (this.s[this.i] !== ':') throw new NotALiteral();
      this.i++;
      // JSON (which Ansible prints) turns every key into text, as Python's json does.
      out[k === true ? 'true' : k === false ? 'false' : k === null ? 'null' : String(k)] = this.value();
      this.space();
      if (this.s[this.i] === ',') { this.i++; continue; }
      if (this.s[this.i] === '}') { this.i++; return out; }
      throw new NotALiteral();
    }
  }

  /** Adjacent string literals concatenate, as in Python ('a' "b" is 'ab'). */
  private strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.i;
      this.space();
      if (this.s[this.i] === "'" || this.s[this.i] === '"') out += this.string();
      else { this.i = save; return out; }
    }
  }

  private string(): string {
    const q = this.s[this.i]!;
    if (this.s.startsWith(q.repeat(3), this.i)) throw new NotALiteral();
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') throw new NotALiteral();
      this.i++;
      if (c === q) return out;
      if (c === '\\') {
        const e = this.s[this.i];
        if (e === undefined) throw new NotALiteral();
        this.i++;
        out += ESCAPES[e] ?? `\\${e}`;
      } else {
        out += c;
      }
    }
  }

  private number(): number {
    let sign = 1;
    while (this.s[this.i] === '-' || this.s[this.i] === '+') {
      if (this.s[this.i] === '-') sign = -sign;
      this.i++;
      this.space();
    }
    const rest = this.s.slice(this.i);
    const radix = /^0([xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|[oO][0-7](?:_?[0-7])*|[bB][01](?:_?[01])*)(?![0-9A-Za-z_.])/.exec(rest);
    if (radix) {
      this.i += radix[0].length;
      const base = { x: 16, o: 8, b: 2 }[radix[1]![0]!.toLowerCase() as 'x' | 'o' | 'b'];
      return sign * parseInt(radix[1]!.slice(1).replace(/_/g, ''), base);
    }
    const digits = String.raw`[0-9](?:_?[0-9])*`;
    const float = new RegExp(String.raw`^(?:(?:${digits})?\.${digits}|${digits}\.?)(?:[eE][-+]?${digits})?(?![0-9A-Za-z_.])`).exec(rest);
    if (!float) throw new NotALiteral();
    const text = float[0].replace(/_/g, '');
    // Python refuses 0777 and 007 (leading zeros in a decimal integer).
    if (/^0[0-9]+$/.test(text) && !/^0+$/.test(text)) throw new NotALiteral();
    this.i += float[0].length;
    return sign * Number(text);
  }
}

/** `ast.literal_eval(text)` for the forms above; the text itself when it is not one. */
export function pythonLiteral(text: string): unknown {
  try {
    return new LiteralReader(text).read();
  } catch (e) {
    if (e instanceof NotALiteral) return text;
    throw e;
  }
}
