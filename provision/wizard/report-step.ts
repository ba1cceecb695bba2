/**
 * Step 7: where reports go. Mail (address, SMTP server, password stored by reference in a
 * 0600 file) with a test mail sent now FROM THIS MACHINE through the same SMTP server (the
 * host sends the nightly reports itself; a server reachable from here may still be
 * unreachable from there), and an optional healthcheck URL.
 */
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Asker } from './ask.ts';
import type { MailAnswers } from './answers.ts';

export type SendMail = (mail: MailAnswers, password: string | undefined, subject: string, text: string) => Promise<void>;

export const sendWithNodemailer: SendMail = async (mail, password, subject, text) => {
  const s = mail.smtp;
  const transport = nodemailer.createTransport({
    host: s.host, port: s.port, secure: s.security === 'tls', requireTLS: s.security === 'starttls', ignoreTLS: s.security === 'none',
    connectionTimeout: 15_000, greetingTimeout: 15_000,
    ...(s.user && password !== undefined && { auth: { user: s.user, pass: password } }),
  });
  try {
    await transport.sendMail({ from: mail.from, to: mail.to, subject, text });
  } finally {
    transport.close();
  }
};

export interface ReportContext {
  ask: Asker;
  host: string;
  inventoryDir: string;
  secrets: { file: string; content: string }[];
  send: SendMail;
  existing?: { mail?: { to?: unknown; from?: string; smtp?: { host?: string; port?: number; security?: string; user?: string } }; healthcheck_url?: string };
}

const MAIL = /^[^\s@]+@[^\s@]+$/;

export async function askReport(c: ReportContext): Promise<{ mail?: MailAnswers; healthcheck_url?: string }> {
  const old = c.existing?.mail;
  const oldTo = Array.isArray(old?.to) ? old.to[0] : old?.to;
  const to = (await c.ask.input({
    id: 'mail-to', message: 'Mail the backup reports to (empty: no mail):', default: typeof oldTo === 'string' ? oldTo : '',
    validate: (v) => v.trim() === '' || MAIL.test(v.trim()) || 'expected a mail address like admin@example.org',
  })).trim();
  let mail: MailAnswers | undefined;
  if (to !== '') {
    const from = (await c.ask.input({ id: 'mail-from', message: 'Sender address:', default: old?.from ?? `linkdest@${c.host}`, validate: (v) => MAIL.test(v.trim()) || 'expected a mail address' })).trim();
    const host = (await c.ask.input({
      id: 'smtp-host', message: 'SMTP server (reachable from the backup host):', ...(old?.smtp?.host && { default: old.smtp.host }),
      validate: (v) => /^[^\s-]\S*$/.test(v.trim()) || 'expected a host name or address',
    })).trim();
    const security = (await c.ask.select({
      id: 'smtp-security', message: 'Connection security',
      choices: [{ value: 'starttls', name: 'STARTTLS (port 587)' }, { value: 'tls', name: 'TLS (port 465)' }, { value: 'none', name: 'none (port 25, local relays only)' }],
      default: old?.smtp?.security ?? 'starttls',
    })) as 'starttls' | 'tls' | 'none';
    const port = Number(await c.ask.input({
      id: 'smtp-port', message: 'SMTP port:', default: String(old?.smtp?.port ?? { starttls: 587, tls: 465, none: 25 }[security]),
      validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) || 'expected a port 1-65535',
    }));
    const user = (await c.ask.input({ id: 'smtp-user', message: 'SMTP user (empty: no login):', default: old?.smtp?.user ?? '' })).trim();
    let password: string | undefined;
    let password_file: string | undefined;
    if (user !== '') {
      password = await c.ask.password({ id: 'smtp-password', message: 'SMTP password (not shown, stored in a 0600 file next to linkdest.yml):' });
      const name = `${c.host}.smtp-secret`;
      c.secrets.push({ file: join(c.inventoryDir, name), content: password });
      password_file = `./${name}`;
    }
    mail = { to, from, smtp: { host, port, security, ...(user && { user }), ...(password_file && { password_file }) } };
    if (await c.ask.confirm({ id: 'test-mail', message: `Send a test mail to ${to} now (from this machine, through ${host}:${port})?`, default: true })) {
      try {
        await c.send(mail, password, `linkdest: test mail for ${c.host}`, `linkdest init set up nightly backups of ${c.host}; its reports will come from ${from}.\n`);
        c.ask.say(`Test mail accepted by ${host}:${port}; check the inbox of ${to}.`);
      } catch (e) {
        c.ask.say(`Test mail failed: ${(e as Error).message.split('\n')[0]}. The settings are kept; fix them in linkdest.yml or run init again.`);
      }
    }
  }
  const url = (await c.ask.input({
    id: 'healthcheck-url', message: 'Healthcheck URL to ping at every run (empty: none):', default: c.existing?.healthcheck_url ?? '',
    validate: (v) => v.trim() === '' || /^https?:\/\/\S+$/.test(v.trim()) || 'expected an http(s):// URL',
  })).trim();
  return { ...(mail && { mail }), ...(url !== '' && { healthcheck_url: url }) };
}
