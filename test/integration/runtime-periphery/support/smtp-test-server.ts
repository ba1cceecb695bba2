/** A real SMTP server (smtp-server package) on 127.0.0.1 that keeps what it receives. */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  body: string;
  /** Whether the session was encrypted (STARTTLS or implicit TLS). */
  secure: boolean;
  user: string | undefined;
}

export interface SmtpTestServer {
  port: number;
  received: ReceivedMail[];
  authAttempts: Array<{ user: string; ok: boolean }>;
  close(): Promise<void>;
}

export interface SmtpTestOptions {
  port?: number;
  /** Implicit TLS (port 465 style) or STARTTLS when key/cert are given; plain otherwise. */
  tls?: { key: string; cert: string; implicit: boolean };
  auth?: { user: string; pass: string };
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function parse(raw: string): { subject: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string): string => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1] ?? '';
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) body = decodeQuotedPrintable(body);
  return { subject: header('Subject'), body: body.replace(/\r\n/g, '\n') };
}

export async function startSmtpServer(opts: SmtpTestOptions = {}): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  const authAttempts: Array<{ user: string; ok: boolean }> = [];
  const options: SMTPServerOptions = {
    logger: false,
    secure: opts.tls?.implicit ?? false,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: opts.auth === undefined,
    allowInsecureAuth: opts.tls === undefined,
    onAuth(auth, _session, cb) {
      const ok = auth.username === opts.auth?.user && auth.password === opts.auth?.pass;
      authAttempts.push({ user: auth.username ?? '', ok });
      if (ok) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          ...parse(Buffer.concat(chunks).toString('utf8')),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, authAttempts, close: () => new Promise((r) => server.close(() => r())) };
}
