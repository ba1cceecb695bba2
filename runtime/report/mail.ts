/**
 * SMTP delivery straight to the configured server (no local MTA on a backup host). The
 * password is read from its file at send time, so it lives in memory only while sending
 * and never in the config, the log or the spool.
 */
import { readFile } from 'node:fs/promises';
import type { RuntimeConfig } from '../config.ts';

export type SmtpConfig = NonNullable<RuntimeConfig['report']['mail']>['smtp'];

/** A message ready to send; this is also exactly what the spool stores. */
export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** ISO-8601; the Date header, so a late delivery shows when the run happened. */
  date: string;
}

export interface MailOptions {
  /** Extra CA certificates (PEM) to trust for STARTTLS/TLS, e.g. a private CA. */
  ca?: string;
  /** Connection and greeting timeout (default 15 s). */
  timeoutMs?: number;
}

export class MailError extends Error {
  /** True when trying again later may help (server down, timeout, 4xx). */
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.name = 'MailError';
    this.transient = transient;
  }
}

async function readPassword(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (e) {
    throw new MailError(`cannot read SMTP password file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, false);
  }
}

const NETWORK_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'EGREETING']);

/** nodemailer errors carry code / responseCode; only the server's words go into the message. */
function toMailError(e: unknown): MailError {
  const err = e as { code?: string; responseCode?: number; response?: string; message?: string };
  const detail = err.response ?? err.message ?? String(e);
  // A certificate that does not verify will not verify in a minute either.
  const transient = !/certificate/i.test(detail) && ((err.code !== undefined && NETWORK_CODES.has(err.code))
    || (err.responseCode !== undefined && err.responseCode >= 400 && err.responseCode < 500));
  return new MailError(`${err.code ? `${err.code}: ` : ''}${detail}`.split('\n')[0]!, transient);
}

export async function deliverMail(mail: OutgoingMail, smtp: SmtpConfig, opts: MailOptions = {}): Promise<void> {
  const auth = smtp.user !== undefined
    ? { user: smtp.user, pass: smtp.password_file ? await readPassword(smtp.password_file) : '' }
    : undefined;
  const timeout = opts.timeoutMs ?? 15_000;
  // Loaded when a mail goes out: runs and commands that send none start without nodemailer.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: 4 * timeout,
    tls: opts.ca ? { ca: opts.ca } : undefined,
    logger: false,
    debug: false,
  });
  try {
    await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, date: new Date(mail.date) });
  } catch (e) {
    throw toMailError(e);
  } finally {
    transport.close();
  }
}
