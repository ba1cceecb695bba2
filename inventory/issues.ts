/**
 * zod issues -> Problems in the user's words: "required", "expected an absolute path",
 * "unknown key (did you mean "mountpoint"?)", secrets written inline.
 */
import type { z } from 'zod';
import type { Path, Problem } from './errors.ts';
import { closest, keysAt } from './suggest.ts';

const TYPE_NAMES: Record<string, string> = {
  string: 'text', number: 'a number', int: 'an integer', boolean: 'true or false',
  object: 'a map', record: 'a map', array: 'a list',
};

const SECRET_KEYS = new Set(['password', 'secret', 'pass', 'passwd']);

function describeValue(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}

/** Per-parse error map: zod's default wording replaced, messages set in the schema kept. */
export function reasonFor(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'required';
      const input = iss.input;
      if (iss.expected === 'boolean' && typeof input === 'string' && /^(yes|no|on|off|y|n)$/i.test(input)) {
        return `expected true or false, got "${input}" (YAML 1.2 reads it as text)`;
      }
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${describeValue(input)}`;
    }
    case 'too_small':
      if (iss.origin === 'array') return `expected at least ${String(iss.minimum)} item${iss.minimum === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return 'must not be empty';
      return `expected at least ${String(iss.minimum)}`;
    case 'too_big':
      return `expected at most ${String(iss.maximum)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
}

function unknownKey(key: string, known: string[]): string {
  if (SECRET_KEYS.has(key.toLowerCase())) {
    return 'secrets are never written in the inventory: use password_file (a file only you can read) or password_env (an environment variable)';
  }
  const guess = closest(key, known);
  return guess ? `unknown key (did you mean "${guess}"?)` : `unknown key (expected one of: ${known.join(', ')})`;
}

/** Turn issues into problems; `place` maps a path in the validated value to where it was written. */
export function toProblems(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, place: (path: Path) => Path): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  // One problem per value: a relative path need not also hear that it is not under /dev.
  const add = (path: Path, reason: string, key: boolean) => {
    const id = path.map(String).join('\u0000');
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ at: place(path), key, reason });
  };
  for (const iss of issues) {
    switch (iss.code) {
      case 'unrecognized_keys':
        for (const k of iss.keys) add([...iss.path, k], unknownKey(k, keysAt(schema, iss.path)), true);
        break;
      case 'invalid_key':
        add(iss.path, `invalid name: ${iss.issues[0]?.message ?? iss.message}`, true);
        break;
      case 'invalid_type':
        add(iss.path, iss.message, iss.message.startsWith('required'));
        break;
      case 'custom':
        add(iss.path, iss.message, (iss.params as { at?: string } | undefined)?.at === 'key');
        break;
      default:
        add(iss.path, iss.message, false);
    }
  }
  return out;
}
