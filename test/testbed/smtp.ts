/**
 * A real SMTP server (smtp-server) for tests: listens on 127.0.0.1 on a free port, and on
 * extra addresses the test created (a test bed's gateway) so hosts can mail it too. Every
 * message is kept with its envelope, raw text and a minimal parse.
 */
import { SMTPServer } from 'smtp-server';
import { parseMail, type ParsedMail } from './mail-parse.ts';

export interface ReceivedMail extends ParsedMail {
  from: string;
  to: string[];
  raw: string;
  /** User name when the client authenticated. */
  user?: string;
  /** Address the client connected from. */
  remoteAddress: string;
}

export interface SmtpOptions {
  /** More addresses to listen on (same port when free). Only addresses the test made. */
  alsoOn?: string[];
  /** Require AUTH PLAIN/LOGIN with these credentials (over plain TCP: test only). */
  auth?: { user: string; pass: string };
}

export interface SmtpServer {
  host: string;
  port: number;
  /** Every address:port listened on, 127.0.0.1 first. */
  listening: { host: string; port: number }[];
  messages: ReceivedMail[];
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function listen(server: SMTPServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export async function startSmtp(opts: SmtpOptions = {}): Promise<SmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const make = () => new SMTPServer({
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          ...parseMail(raw),
          raw,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          remoteAddress: session.remoteAddress,
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  const servers = [make()];
  const port = await listen(servers[0]!, '127.0.0.1', 0);
  const listening = [{ host: '127.0.0.1', port }];
  let closed: Promise<void> | undefined;
  for (const host of opts.alsoOn ?? []) {
    const server = make();
    servers.push(server);
    const extraPort = await listen(server, host, port).catch(() => listen(server, host, 0));
    listening.push({ host, port: extraPort });
  }
  return {
    host: '127.0.0.1', port, listening, messages,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp: no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => (closed ??= Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))))
      .then(() => {})),
  };
}
