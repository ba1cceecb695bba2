/**
 * Defensive masking for anything shown to people or written as JSON. Resources already
 * mask their secrets; this catches what slipped through: any `...password...` or
 * `...secret...` key followed by `=` or `:` (ini, iscsid.conf, YAML, JSON) loses its value.
 * Keys that name where a secret lives (`password_file`, `secret_env`) are not secrets.
 */
export const MASK = '********';

const KEY = String.raw`[A-Za-z0-9_.\-]*(?:password|passwd|passphrase|secret)[A-Za-z0-9_.\-]*`;
const SECRET_ASSIGNMENT = new RegExp(
  String.raw`(["']?)(${KEY})\1([ \t]*[:=][ \t]*)(?:"((?:[^"\\\r\n]|\\.)*)"|'([^'\r\n]*)'|([^\r\n]*))`,
  'gi',
);

function namesALocation(key: string): boolean {
  return /(_|\.|-)(file|env|path|ref)$/i.test(key);
}

export function maskSecrets(text: string): string {
  return text.replace(
    SECRET_ASSIGNMENT,
    (whole, quote: string, key: string, sep: string, dq?: string, sq?: string, bare?: string) => {
      if (namesALocation(key)) return whole;
      const k = `${quote}${key}${quote}${sep}`;
      if (dq !== undefined) return `${k}"${dq === '' ? '' : MASK}"`;
      if (sq !== undefined) return `${k}'${sq === '' ? '' : MASK}'`;
      const value = bare ?? '';
      if (value.trim() === '') return whole;
      // Keep a trailing JSON/YAML comma so the masked text still reads like the original.
      const comma = /,\s*$/.test(value) ? ',' : '';
      return `${k}${MASK}${comma}`;
    },
  );
}
