/**
 * Defensive masking for anything shown to people or written as JSON. Resources already
 * mask their secrets; this catches what slipped through, by key and by kind of value:
 * - a key that names a secret (`password`, `passphrase`, `secret`, `token`, `api_key`,
 *   `credential`; CHAP's `node.session.auth.password[_in]`) followed by `=` or `:` (ini,
 *   iscsid.conf, YAML, JSON) loses its value. Keys that name where a secret lives
 *   (`password_file`, `secret_env`) are not secrets.
 * - a URL is a secret by kind, whatever its key: healthchecks.io, Slack, ntfy and most
 *   webhooks carry their token in the path or query (`healthcheck_url`), and `user:pass@`
 *   is a password. An http(s) URL keeps only scheme, host and port (`https://hc-ping.com/********`);
 *   any other URL (`qemu+ssh://root@host/system`) loses only a password in its user part.
 * - `Authorization: Bearer ...` / `Basic ...` loses the credentials.
 */
export const MASK = '********';

/** Words in a key that make its value a secret (also used by json.ts for object keys). */
export const SECRET_KEY_WORDS = String.raw`password|passwd|passphrase|secret|token|api[_-]?key|credential`;
const KEY = String.raw`[A-Za-z0-9_.\-]*(?:${SECRET_KEY_WORDS})[A-Za-z0-9_.\-]*`;
const SECRET_ASSIGNMENT = new RegExp(
  String.raw`(["']?)(${KEY})\1([ \t]*[:=][ \t]*)(?:"((?:[^"\\\r\n]|\\.)*)"|'([^'\r\n]*)'|([^\r\n]*))`,
  'gi',
);
/** scheme://authority then the rest up to whitespace, a quote or an angle bracket. */
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#"'<>]*)([^\s"'<>]*)/gi;
const AUTHORIZATION = /\b(Authorization[ \t]*[:=][ \t]*["']?(?:Bearer|Basic|Token)[ \t]+)[^\s"',]+/gi;

export function namesALocation(key: string): boolean {
  return /(_|\.|-)(file|env|path|ref)$/i.test(key);
}

/** One URL as it may be shown: see the module comment. */
export function maskUrl(scheme: string, authority: string, rest: string): string {
  const at = authority.lastIndexOf('@');
  const user = at < 0 ? '' : authority.slice(0, at);
  const host = at < 0 ? authority : authority.slice(at + 1);
  const colon = user.indexOf(':');
  const shownUser = at < 0 ? '' : `${colon < 0 ? user : `${user.slice(0, colon)}:${MASK}`}@`;
  if (/^https?$/i.test(scheme)) {
    const userPart = at < 0 ? '' : `${MASK}@`;
    const path = rest === '' || rest === '/' ? rest : `/${MASK}`;
    return `${scheme}://${userPart}${host}${path}`;
  }
  return `${scheme}://${shownUser}${host}${rest}`;
}

function maskUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (_whole, scheme: string, authority: string, rest: string) => maskUrl(scheme, authority, rest));
}

export function maskSecrets(text: string): string {
  const byKey = text.replace(
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
  return maskUrls(byKey.replace(AUTHORIZATION, (_w, head: string) => `${head}${MASK}`));
}
