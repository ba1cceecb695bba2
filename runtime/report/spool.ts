/**
 * Reports that could not be delivered wait here until a later attempt succeeds: mails in
 * state_dir/spool (the mail server often lives in the very VM the run stopped, so
 * undeliverable is normal at first), webhook payloads in state_dir/spool-webhook. Files are
 * 0600 and hold only the message, never SMTP credentials or the webhook's URL.
 */
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import type { OutgoingMail } from './mail.ts';

export const spoolDir = (stateDir: string): string => join(stateDir, 'spool');

export const webhookSpoolDir = (stateDir: string): string => join(stateDir, 'spool-webhook');

/**
 * Writes atomically (temp file, then rename) so a crash never leaves half a message. Names
 * start with the run's time (`date`, ISO), so they sort oldest first.
 */
export async function spoolItem(dir: string, date: string, item: unknown): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const base = `${date.replace(/[^0-9T]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.json`;
  const tmp = join(dir, `.${base}.tmp`);
  await writeFile(tmp, `${JSON.stringify(item, null, 1)}\n`, { mode: 0o600 });
  const file = join(dir, base);
  await rename(tmp, file);
  return file;
}

export const spoolMail = (dir: string, mail: OutgoingMail): Promise<string> => spoolItem(dir, mail.date, mail);

/** Spooled files, oldest first (names start with the run's time). */
export async function listSpool(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

export interface FlushResult {
  delivered: number;
  remaining: number;
}

export interface SpoolReader<T> {
  /** How a message is named in the log. */
  name: (m: T) => string;
  /** A permanent refusal (not `transient`) removes the message instead of keeping it. */
  dropRefused?: boolean;
}

/**
 * Tries every spooled message once, in order; delivered ones are removed. Stops at the
 * first transient failure (server down). A message that cannot be parsed is kept under a
 * .bad name so it is neither lost nor retried forever.
 */
/** Mails are named by their subject. */
export const MAIL_SPOOL: SpoolReader<OutgoingMail> = { name: (m) => `"${m.subject}"` };

export async function flushSpool<T>(dir: string, send: (m: T) => Promise<void>, log: Logger, o: SpoolReader<T>): Promise<FlushResult> {
  const { name } = o;
  let delivered = 0;
  let remaining = 0;
  let serverDown = false;
  for (const file of await listSpool(dir)) {
    // Once the server is unreachable, the rest would only wait for the same timeout.
    if (serverDown) { remaining++; continue; }
    let mail: T;
    try {
      mail = JSON.parse(await readFile(file, 'utf8')) as T;
    } catch {
      log.warn(`spooled report ${file} is unreadable; kept as ${file}.bad`);
      await rename(file, `${file}.bad`).catch(() => undefined);
      continue;
    }
    try {
      await send(mail);
      await rm(file, { force: true });
      delivered++;
      log.info(`delivered spooled report ${name(mail)}`);
    } catch (e) {
      const transient = (e as { transient?: boolean }).transient === true;
      serverDown = transient;
      if (!transient && o.dropRefused) {
        await rm(file, { force: true });
        log.warn(`spooled report ${name(mail)} refused (${(e as Error).message}); dropped`);
        continue;
      }
      remaining++;
      log.warn(`spooled report ${name(mail)} still undeliverable: ${(e as Error).message}`);
    }
  }
  return { delivered, remaining };
}
