/**
 * The wizard's only writes on this machine, all at the end, each atomic (temp file in the
 * same directory, fsync, rename): a Ctrl-C before or during them never leaves a half-written
 * inventory. Secrets first and the inventory last, so an inventory never names a secret
 * file that is not there.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatKnownHostsLine } from '../transport/known-hosts.ts';

export async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await chmod(tmp, mode); // umask may have narrowed the mode given to open()
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A host key the user chose to trust, written to the inventory's known_hosts at the end. */
export interface TrustedKey {
  host: string;
  port: number;
  key: Buffer;
}

export interface PendingWrites {
  inventory: { file: string; text: string };
  /** Secret files (CHAP, SMTP password): mode 0600, content never printed. */
  secrets: { file: string; content: string }[];
  knownHosts?: { file: string; keys: TrustedKey[] };
}

export async function commitWrites(w: PendingWrites): Promise<void> {
  for (const s of w.secrets) await writeAtomic(s.file, s.content.endsWith('\n') ? s.content : `${s.content}\n`, 0o600);
  if (w.knownHosts && w.knownHosts.keys.length > 0) {
    const before = (await readIfExists(w.knownHosts.file)) ?? '';
    const lines = w.knownHosts.keys.map((k) => formatKnownHostsLine(k.host, k.port, k.key));
    const sep = before === '' || before.endsWith('\n') ? '' : '\n';
    await writeAtomic(w.knownHosts.file, `${before}${sep}${lines.join('\n')}\n`, 0o644);
  }
  await writeAtomic(w.inventory.file, w.inventory.text, 0o644);
}
