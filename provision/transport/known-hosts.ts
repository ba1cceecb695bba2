/**
 * OpenSSH known_hosts: parse, look up a host's offered key strictly, and append a trusted
 * key (trust on first use in the wizard). Format per sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT":
 *   [@revoked|@cert-authority] patterns keytype base64-key [comment]
 * where patterns is a comma list (`*`, `?`, `!negation`) or one hashed `|1|salt|hmac` name,
 * and a host on a port other than 22 is written `[host]:port`.
 * `@cert-authority` lines are recognised but not supported: linkdest checks plain host
 * keys only, so such a host is reported as unknown with a note saying why.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { matchPatternList } from './host-pattern.ts';

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written (patterns or a hashed name). */
  hosts: string;
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'revoked'; offered: string; where: string }
  | { kind: 'changed'; offered: string; expected: string[]; where: string }
  | { kind: 'unknown'; offered: string; note?: string };

/** `host` on port 22, else `[host]:port`: the name OpenSSH looks up and writes. */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH's `SHA256:<base64 without padding>` fingerprint of a public key blob. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format public key blob (`ssh-ed25519`, ...). */
export function keyTypeOfBlob(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** Lines that do not parse are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, keyType, b64] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    if (keyTypeOfBlob(key) !== keyType) return;
    entries.push({ marker, hosts, keyType, key, file, line: i + 1 });
  });
  return entries;
}

/** Read and parse several files; missing files contribute nothing. */
export async function readKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

function hashedNameMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1' || parts[2] === undefined || parts[3] === undefined) return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Does an entry's host field name this host (`host` or `[host]:port`)? */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.startsWith('|')) return hashedNameMatches(entry.hosts, name);
  return matchPatternList(entry.hosts.split(','), name.toLowerCase(), { caseInsensitive: true });
}

/** Key types the file already knows for this host, so the handshake can ask for them first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** Strict check of an offered key: only an exact, non-revoked entry for this name passes. */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, offered: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => entryMatchesHost(e, name));
  const offeredFp = `${keyTypeOfBlob(offered)} ${fingerprintSha256(offered)}`;
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(offered));
  if (revoked) return { kind: 'revoked', offered: offeredFp, where: `${revoked.file}:${revoked.line}` };
  const plain = forHost.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(offered))) return { kind: 'match' };
  if (plain.length > 0) {
    const type = keyTypeOfBlob(offered);
    const sameType = plain.filter((e) => e.keyType === type);
    const shown = sameType.length > 0 ? sameType : plain;
    return {
      kind: 'changed',
      offered: offeredFp,
      expected: shown.map((e) => `${e.keyType} ${fingerprintSha256(e.key)}`),
      where: shown.map((e) => `${e.file}:${e.line}`).join(', '),
    };
  }
  if (forHost.some((e) => e.marker === 'cert-authority')) {
    return { kind: 'unknown', offered: offeredFp, note: '@cert-authority entries are not supported by linkdest; add the host key itself' };
  }
  return { kind: 'unknown', offered: offeredFp };
}

/** One known_hosts line for this host and key; hashed like `HashKnownHosts yes` by default. */
export function formatKnownHostsLine(host: string, port: number, keyBlob: Buffer, opts: { hash?: boolean } = {}): string {
  const name = knownHostName(host, port);
  let field = name;
  if (opts.hash ?? true) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${keyTypeOfBlob(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** Append a trusted host key (after the user checked its fingerprint out of band). */
export async function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyBlob: Buffer,
  opts: { hash?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let before = '';
  try {
    before = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const sep = before === '' || before.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${sep}${formatKnownHostsLine(host, port, keyBlob, opts)}\n`, { mode: 0o644 });
}
