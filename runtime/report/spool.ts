/**
 * Reports that could not be delivered wait here (state_dir/spool) until a later attempt
 * succeeds. The mail server often lives in the very VM the run stopped, so undeliverable
 * is normal at first. Files are 0600 and hold only the message, never SMTP credentials.
 */
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import type { OutgoingMail } from './mail.ts';

export const spoolDir = (stateDir: string): string => join(stateDir, 'spool');

/** Writes atomically (temp file, then rename) so a crash never leaves half a message. */
export async function spoolMail(dir: string, mail: OutgoingMail): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const base = `${mail.date.replace(/[^0-9T]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.json`;
  const tmp = join(dir, `.${base}.tmp`);
  await writeFile(tmp, `${JSON.stringify(mail, null, 1)}\n`, { mode: 0o600 });
  const file = join(dir, base);
  await rename(tmp, file);
  return file;
}

/** Spooled files, oldest first (names start with the run's time). */
export async function listSpool(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

export interface FlushResult {
  delivered: number;
  remaining: number;
}

/**
 * Tries every spooled message once, in order; delivered ones are removed. Stops at the
 * first transient failure (server down). A message that cannot be parsed is kept under a
 * .bad name so it is neither lost nor retried forever.
 */
export async function flushSpool(dir: string, send: (m: OutgoingMail) => Promise<void>, log: Logger): Promise<FlushResult> {
  let delivered = 0;
  let remaining = 0;
  let serverDown = false;
  for (const file of await listSpool(dir)) {
    // Once the server is unreachable, the rest would only wait for the same timeout.
    if (serverDown) { remaining++; continue; }
    let mail: OutgoingMail;
    try {
      mail = JSON.parse(await readFile(file, 'utf8')) as OutgoingMail;
    } catch {
      log.warn(`spooled report ${file} is unreadable; kept as ${file}.bad`);
      await rename(file, `${file}.bad`).catch(() => undefined);
      continue;
    }
    try {
      await send(mail);
      await rm(file, { force: true });
      delivered++;
      log.info(`delivered spooled report "${mail.subject}"`);
    } catch (e) {
      remaining++;
      serverDown = (e as { transient?: boolean }).transient === true;
      log.warn(`spooled report "${mail.subject}" still undeliverable: ${(e as Error).message}`);
    }
  }
  return { delivered, remaining };
}
