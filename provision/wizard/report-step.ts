/**
 * Step 7: where reports go. Mail (address, SMTP server, password stored by reference in a
 * 0600 file) with a test mail sent now FROM THIS MACHINE through the same SMTP server (the
 * host sends the nightly reports itself; a server reachable from here may still be
 * unreachable from there), and an optional healthcheck URL.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Asker } from './ask.ts';
import type { MailAnswers } from './answers.ts';

export type SendMail = (mail: MailAnswers, password: string | undefined, subject: string, text: string) => Promise<void>;

export const sendWithNodemailer: SendMail = async (mail, password, subject, text) => {
  const s = mail.smtp;
  // Loaded when a test mail is sent: no other command pays for nodemailer's modules at start.
  const { default: nodemailer } = await import('nodemailer');
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
  existing?: { mail?: { to?: unknown; from?: string; smtp?: { host?: string; port?: number; security?: string; user?: string } }; healthcheck_url?: string; webhook?: unknown };
}

const MAIL = /^[^\s@]+@[^\s@]+$/;

/** The test mail: says what it proves and what it does not (the host sends the real reports). */
export function testMail(host: string, mail: MailAnswers, machine: string): { subject: string; text: string } {
  const s = mail.smtp;
  return {
    subject: `linkdest: test mail for ${host}`,
    text: [
      `This is a test mail from \`linkdest init\` on ${machine}, sent through ${s.host}:${s.port}${s.user ? ` as ${s.user}` : ''}.`,
      '',
      `From now on ${host} mails a report to ${mail.to} after every backup, from ${mail.from}.`,
      `It sends those itself, through the same server: if they do not arrive, check that ${s.host} is reachable from ${host}.`,
      '',
    ].join('\n'),
  };
}

type Previous = { to?: string; from?: string; smtp?: { host?: string; port?: number; security?: string; user?: string } };

/** One pass over the mail questions, `prev` giving the defaults. */
async function askMail(c: ReportContext, prev: Previous): Promise<{ mail?: MailAnswers; password?: string }> {
  const to = (await c.ask.input({
    id: 'mail-to', message: 'Mail the backup reports to (empty: no mail):', default: prev.to ?? '',
    validate: (v) => v.trim() === '' || MAIL.test(v.trim()) || 'expected a mail address like admin@example.org',
  })).trim();
  if (to === '') return {};
  const from = (await c.ask.input({ id: 'mail-from', message: 'Sender address:', default: prev.from ?? `linkdest@${c.host}`, validate: (v) => MAIL.test(v.trim()) || 'expected a mail address' })).trim();
  const host = (await c.ask.input({
    id: 'smtp-host', message: 'SMTP server (reachable from the backup host):', ...(prev.smtp?.host && { default: prev.smtp.host }),
    validate: (v) => /^[^\s-]\S*$/.test(v.trim()) || 'expected a host name or address',
  })).trim();
  const security = (await c.ask.select({
    id: 'smtp-security', message: 'Connection security',
    choices: [{ value: 'starttls', name: 'STARTTLS (port 587)' }, { value: 'tls', name: 'TLS (port 465)' }, { value: 'none', name: 'none (port 25, local relays only)' }],
    default: prev.smtp?.security ?? 'starttls',
  })) as 'starttls' | 'tls' | 'none';
  const samePort = prev.smtp?.port !== undefined && prev.smtp.security === security;
  const port = Number(await c.ask.input({
    id: 'smtp-port', message: 'SMTP port:', default: String(samePort ? prev.smtp!.port : { starttls: 587, tls: 465, none: 25 }[security]),
    validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) || 'expected a port 1-65535',
  }));
  const user = (await c.ask.input({ id: 'smtp-user', message: 'SMTP user (empty: no login):', default: prev.smtp?.user ?? '' })).trim();
  const password = user === '' ? undefined
    : await c.ask.password({ id: 'smtp-password', message: 'SMTP password (not shown, stored in a 0600 file next to linkdest.yml):' });
  const password_file = user === '' ? undefined : `./${c.host}.smtp-secret`;
  return { mail: { to, from, smtp: { host, port, security, ...(user && { user }), ...(password_file && { password_file }) } }, ...(password !== undefined && { password }) };
}

/**
 * Mail settings, tried with a test mail when the user wants one. A failed test mail is one
 * line; then the settings can be changed (asked again with these as defaults), kept
 * (the host may reach a server this machine cannot) or dropped. With --yes they are kept.
 */
async function askMailTested(c: ReportContext): Promise<{ mail?: MailAnswers; password?: string }> {
  const old = c.existing?.mail;
  const oldTo = Array.isArray(old?.to) ? old.to[0] : old?.to;
  let prev: Previous = { ...(typeof oldTo === 'string' && { to: oldTo }), ...(old?.from && { from: old.from }), ...(old?.smtp && { smtp: old.smtp }) };
  for (;;) {
    const got = await askMail(c, prev);
    const mail = got.mail;
    if (mail === undefined) return {};
    const { host, port } = mail.smtp;
    if (!(await c.ask.confirm({ id: 'test-mail', message: `Send a test mail to ${mail.to} now (from this machine, through ${host}:${port})?`, default: true }))) return got;
    try {
      const m = testMail(c.host, mail, hostname());
      await c.send(mail, got.password, m.subject, m.text);
      c.ask.say(`Test mail accepted by ${host}:${port}; check the inbox of ${mail.to}.`);
      return got;
    } catch (e) {
      c.ask.say(`Test mail failed: ${oneLine(e)}`);
    }
    const next = await c.ask.select({
      id: 'mail-failed', message: 'The test mail failed. What now?', default: 'keep',
      choices: [
        { value: 'change', name: 'change the mail settings (the answers so far are the defaults)' },
        { value: 'keep', name: 'keep these settings (the host may reach a server this machine cannot)' },
        { value: 'none', name: 'no mail reports for now' },
      ],
    });
    if (next === 'keep') return got;
    if (next === 'none') return {};
    prev = mail;
  }
}

/** The first line of an error, without the server's multi-line detail. */
function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

/**
 * A chat or alerting webhook (Slack, Mattermost, Discord...). Its URL holds the token, so it
 * is asked hidden and kept like a password: a 0600 file beside the inventory, referenced by
 * `url_file`. A host that has one keeps it (edit the inventory to change it).
 */
async function askWebhook(c: ReportContext): Promise<Record<string, unknown> | undefined> {
  const kept = c.existing?.webhook;
  if (kept !== null && typeof kept === 'object' && !Array.isArray(kept)) {
    c.ask.say('Webhook: kept as it is in the inventory.');
    return kept as Record<string, unknown>;
  }
  if (!(await c.ask.confirm({ id: 'webhook', message: 'Also post runs with problems to a chat or alerting webhook (Slack, Mattermost, Discord...)?', default: false }))) return undefined;
  const url = (await c.ask.password({ id: 'webhook-url', message: 'Webhook URL (not shown, stored in a 0600 file next to linkdest.yml):' })).trim();
  if (!/^https?:\/\/[^\s/@]+\/?\S*$/.test(url)) {
    c.ask.say('That is not an http(s):// URL without user:password@; no webhook for now.');
    return undefined;
  }
  const url_file = `./${c.host}.webhook-url`;
  c.secrets.push({ file: join(c.inventoryDir, url_file), content: url });
  return { url_file };
}

export async function askReport(c: ReportContext): Promise<{ mail?: MailAnswers; healthcheck_url?: string; webhook?: Record<string, unknown> }> {
  const { mail, password } = await askMailTested(c);
  if (mail?.smtp.password_file !== undefined && password !== undefined) {
    c.secrets.push({ file: join(c.inventoryDir, mail.smtp.password_file), content: password });
  }
  const url = (await c.ask.input({
    id: 'healthcheck-url', message: 'Healthcheck URL to ping at every run (empty: none):', default: c.existing?.healthcheck_url ?? '',
    validate: (v) => v.trim() === '' || /^https?:\/\/\S+$/.test(v.trim()) || 'expected an http(s):// URL',
  })).trim();
  const webhook = await askWebhook(c);
  return { ...(mail && { mail }), ...(url !== '' && { healthcheck_url: url }), ...(webhook && { webhook }) };
}
