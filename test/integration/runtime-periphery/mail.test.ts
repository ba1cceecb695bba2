/**
 * The mail report against a real SMTP server (smtp-server) on 127.0.0.1: styles, AUTH,
 * STARTTLS and implicit TLS with a throwaway self-signed certificate (openssl), and the
 * spool that holds a report while the mail server (in the seed: inside the stopped VM) is down.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRuntimeConfig, type RuntimeConfig } from '../../../runtime/config.ts';
import { run } from '../../../runtime/exec.ts';
import { reportFinish, reportStart, type ReportOptions } from '../../../runtime/report/index.ts';
import type { RunResult } from '../../../runtime/run-result.ts';
import { hasCommand, commandNote } from '../../support/needs.ts';
import { runResult } from '../../unit/runtime-periphery/run-result-fixture.ts';
import { memoryLogger } from './support/memory-logger.ts';
import { startSmtpServer, type SmtpTestServer } from './support/smtp-test-server.ts';

const PASSWORD = 'S3cret-linkdest-pw';
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkdest-mail-'));
  await writeFile(join(dir, 'smtp-password'), `${PASSWORD}\n`, { mode: 0o600 });
});
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

function config(port: number, over: { style?: string; security?: string; user?: string; state?: string } = {}): RuntimeConfig {
  return parseRuntimeConfig({
    destination: { path: '/mnt/Backup' },
    sources: [{ path: '/Apps' }],
    report: { mail: {
      to: ['admin@example.test'], from: 'linkdest@gentoo.example.test', style: over.style ?? 'report',
      smtp: { host: '127.0.0.1', port, security: over.security ?? 'none',
        ...(over.user ? { user: over.user, password_file: join(dir, 'smtp-password') } : {}) },
    } },
    state_dir: over.state ?? join(dir, `state-${Math.random().toString(36).slice(2)}`),
  });
}

const fast: ReportOptions = { mailRetryBudgetMs: 400, mailRetryDelayMs: 50, mail: { timeoutMs: 2_000 } };
const LOG_LINE = 'rsync: file has vanished: "/Apps/tmp/session-1"';

async function finish(cfg: RuntimeConfig, r: RunResult, opts = fast) {
  const log = memoryLogger();
  log.warn(LOG_LINE);
  await reportFinish(r, cfg, log, opts);
  return log;
}

describe('mail styles (plain SMTP, no auth)', () => {
  let smtp: SmtpTestServer;
  beforeAll(async () => { smtp = await startSmtpServer(); });
  afterAll(async () => { await smtp.close(); });

  test.each([
    ['all', 'ok', true, true],
    ['report', 'ok', true, false],
    ['report', 'warning', true, false],
    ['errors', 'ok', false, false],
    ['errors', 'warning', true, true],
    ['errors', 'failed', true, true],
  ] as const)('style %s, run %s: mailed %s, full log %s', async (style, status, mailed, withLog) => {
    const before = smtp.received.length;
    await finish(config(smtp.port, { style }), runResult({ status }));
    const got = smtp.received.slice(before);
    expect(got).toHaveLength(mailed ? 1 : 0);
    if (!mailed) return;
    const m = got[0]!;
    expect(m.from).toBe('linkdest@gentoo.example.test');
    expect(m.to).toEqual(['admin@example.test']);
    expect(m.subject).toMatch(/^linkdest gentoo Apps: (ok|WARNING|FAILED) \(2026-11-26 03:00\)$/);
    expect(m.body).toContain('Transferred: 321 files, 5.0 GiB');
    expect(m.body.includes(LOG_LINE)).toBe(withLog);
  });
});

describe('SMTP AUTH with the password read from its file', () => {
  let smtp: SmtpTestServer;
  beforeAll(async () => { smtp = await startSmtpServer({ auth: { user: 'backup', pass: PASSWORD } }); });
  afterAll(async () => { await smtp.close(); });

  // Plain connection with allowInsecureAuth: the STARTTLS/TLS cases below cover encryption.
  test('right credentials: delivered as that user', async () => {
    await finish(config(smtp.port, { user: 'backup' }), runResult());
    expect(smtp.received.at(-1)?.user).toBe('backup');
  });

  test('rejected credentials: not retried, spooled, and the password appears nowhere', async () => {
    const cfg = config(smtp.port, { user: 'someone-else' });
    const log = await finish(cfg, runResult(), { ...fast, mailRetryBudgetMs: 60_000 });
    expect(smtp.authAttempts.filter((a) => a.user === 'someone-else')).toEqual([{ user: 'someone-else', ok: false }]);
    const spooled = await readdir(join(cfg.state_dir, 'spool'));
    expect(spooled).toHaveLength(1);
    expect(await readFile(join(cfg.state_dir, 'spool', spooled[0]!), 'utf8')).not.toContain(PASSWORD);
    expect(log.text()).not.toContain(PASSWORD);
    expect(log.text()).toMatch(/report not delivered \(.*535.*\); spooled as/);
  });
});

describe.skipIf(!hasCommand('openssl'))(`encrypted SMTP with a self-signed certificate${commandNote('openssl')}`, () => {
  let tls: { key: string; cert: string };
  beforeAll(async () => {
    const r = await run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    expect(r.code).toBe(0);
    tls = { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  });

  test.each([['starttls', false], ['tls', true]] as const)('security %s: encrypted session, AUTH inside it', async (security, implicit) => {
    const smtp = await startSmtpServer({ tls: { ...tls, implicit }, auth: { user: 'backup', pass: PASSWORD } });
    try {
      await finish(config(smtp.port, { security, user: 'backup' }), runResult(), { ...fast, mail: { ...fast.mail, ca: tls.cert } });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]).toMatchObject({ secure: true, user: 'backup' });
    } finally {
      await smtp.close();
    }
  });

  test('an untrusted certificate is not accepted: the report is spooled, not sent in the clear', async () => {
    const smtp = await startSmtpServer({ tls: { ...tls, implicit: false }, auth: { user: 'backup', pass: PASSWORD } });
    try {
      const cfg = config(smtp.port, { security: 'starttls', user: 'backup' });
      const log = await finish(cfg, runResult(), { ...fast, mailRetryBudgetMs: 60_000 });
      expect(smtp.received).toHaveLength(0);
      expect(smtp.authAttempts).toEqual([]);
      expect(log.lines.filter((l) => l.includes('mail attempt'))).toEqual([]); // not retried
      expect(log.text()).toMatch(/report not delivered \(.*certificate.*\); spooled as/);
      expect(await readdir(join(cfg.state_dir, 'spool'))).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });
});

describe('mail server down (it lives in the VM that was stopped)', () => {
  test('spooled (0600, no password), then delivered by the next run\'s reportStart and removed', async () => {
    const probe = await startSmtpServer({ auth: { user: 'backup', pass: PASSWORD } });
    const port = probe.port;
    await probe.close();
    const cfg = config(port, { user: 'backup', style: 'all' });
    const log = await finish(cfg, runResult({ status: 'failed' }));
    expect(log.lines.some((l) => /^info mail attempt 1 failed \(.*ECONNREFUSED.*\); trying again in \d+ ms$/.test(l))).toBe(true);
    const spool = join(cfg.state_dir, 'spool');
    const files = await readdir(spool);
    expect(files).toHaveLength(1);
    expect((await stat(spool)).mode & 0o777).toBe(0o700);
    expect((await stat(join(spool, files[0]!))).mode & 0o777).toBe(0o600);
    const spooled = await readFile(join(spool, files[0]!), 'utf8');
    expect(spooled).not.toContain(PASSWORD);
    expect(spooled).toContain('linkdest gentoo Apps: FAILED (2026-11-26 03:00)');

    const smtp = await startSmtpServer({ port, auth: { user: 'backup', pass: PASSWORD } });
    try {
      const next = memoryLogger();
      await reportStart(cfg, next, fast);
      expect(smtp.received.map((m) => m.subject)).toEqual(['linkdest gentoo Apps: FAILED (2026-11-26 03:00)']);
      expect(smtp.received[0]!.body).toContain(LOG_LINE);
      expect(await readdir(spool)).toEqual([]);
      expect(next.text()).not.toContain(PASSWORD);
    } finally {
      await smtp.close();
    }
  });

  test('server comes back while reportFinish is still retrying: delivered, nothing spooled', async () => {
    const probe = await startSmtpServer();
    const port = probe.port;
    await probe.close();
    const cfg = config(port);
    let smtp: SmtpTestServer | undefined;
    const later = setTimeout(() => { void startSmtpServer({ port }).then((s) => { smtp = s; }); }, 300);
    try {
      await finish(cfg, runResult(), { ...fast, mailRetryBudgetMs: 20_000 });
      expect(smtp?.received).toHaveLength(1);
      expect(await readdir(join(cfg.state_dir, 'spool')).catch(() => [])).toEqual([]);
    } finally {
      clearTimeout(later);
      await smtp?.close();
    }
  });
});
