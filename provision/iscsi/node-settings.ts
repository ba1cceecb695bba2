/**
 * The node record settings linkdest wants, and which of them differ from the record on
 * the host. Pure. Secrets are compared by sha256 (the gatherer hashes them on the host)
 * and never carried in the result: a change names the key; apply reads the value again.
 */
import { createHash } from 'node:crypto';
import { NODE_KEYS, hashKey, type NodeRecord } from './node-records.ts';

export interface ChapValues {
  user: string;
  password: string;
  mutual?: { user: string; password: string };
}

export interface Setting {
  key: string;
  /** Shown to users and passed in argv; undefined for secrets. */
  value?: string;
  /** Which secret to read at apply time. */
  secret?: 'password' | 'password_in';
}

interface Wanted extends Setting {
  /** What the record must hold: the value, or the sha256 of a secret. */
  expect: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function wantedSettings(chap: ChapValues | undefined, primary: boolean): Wanted[] {
  const plain = (key: string, value: string): Wanted => ({ key, value, expect: value });
  const wanted = [plain(NODE_KEYS.startup, primary ? 'automatic' : 'manual'), plain(NODE_KEYS.authmethod, chap ? 'CHAP' : 'None')];
  if (chap) {
    wanted.push(plain(NODE_KEYS.username, chap.user), { key: NODE_KEYS.password, secret: 'password', expect: sha256(chap.password) });
    if (chap.mutual) {
      wanted.push(plain(NODE_KEYS.usernameIn, chap.mutual.user), { key: NODE_KEYS.passwordIn, secret: 'password_in', expect: sha256(chap.mutual.password) });
    }
  }
  return wanted;
}

/** Settings to write so `record` (undefined: no record yet) holds what is wanted. */
export function settingChanges(record: NodeRecord | undefined, wanted: readonly Wanted[]): Setting[] {
  return wanted
    .filter((w) => (w.secret ? record?.[hashKey(w.key)] : record?.[w.key]) !== w.expect)
    .map(({ key, value, secret }) => ({ key, ...(value !== undefined ? { value } : {}), ...(secret ? { secret } : {}) }));
}

/** Did the credentials a session logs in with change? (startup alone does not need a new login.) */
export function credentialsChanged(changes: readonly Setting[]): boolean {
  return changes.some((c) => c.key !== NODE_KEYS.startup);
}

export function describeSetting(s: Setting): string {
  return s.secret ? `${s.key} (secret)` : `${s.key}=${s.value}`;
}
