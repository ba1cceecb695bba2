/**
 * `iscsiadm -m node -T TARGET -p PORTAL -o show` prints a node record as `key = value`
 * lines between `# BEGIN RECORD` / `# END RECORD`; `<empty>` stands for an empty value.
 * Passwords print as ******** unless `-S` is given; the fact gatherer passes -S and
 * replaces each password with its sha256 on the host (key `...password.sha256`), so the
 * secret itself never leaves the host.
 */

export type NodeRecord = Record<string, string>;

export function parseNodeRecord(text: string): NodeRecord {
  const out: NodeRecord = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const eq = line.indexOf(' = ');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 3).trim();
    out[key] = value === '<empty>' ? '' : value;
  }
  return out;
}

/** Keys linkdest sets on its node record (and compares in check()). */
export const NODE_KEYS = {
  startup: 'node.startup',
  authmethod: 'node.session.auth.authmethod',
  username: 'node.session.auth.username',
  password: 'node.session.auth.password',
  usernameIn: 'node.session.auth.username_in',
  passwordIn: 'node.session.auth.password_in',
} as const;

/** Where the gatherer puts a password's hash. */
export function hashKey(key: string): string {
  return `${key}.sha256`;
}
