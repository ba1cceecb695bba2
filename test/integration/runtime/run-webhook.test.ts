/**
 * The webhook report of full runs (runNightly), against a real HTTP server on 127.0.0.1:
 * what arrives (Content-Type, text, structured fields), when it is sent, and what a failing
 * webhook (HTTP 500, connection refused, no answer) leaves behind: one warning line in the
 * log and in the mail (real SMTP server on loopback), the backup's status untouched, and the
 * URL's path and token nowhere in the log, the RunResult, last-run.json or the mail.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RuntimeConfig, RuntimeConfigInput } from '../../../runtime/config.ts';
import { runNightly } from '../../../runtime/run.ts';
import type { RunResult } from '../../../runtime/run-result.ts';
import { lastRunPath } from '../../../runtime/ops/last-run.ts';
import { webhookSpoolDir } from '../../../runtime/report/spool.ts';
import { WEBHOOK_SPOOL_MAX } from '../../../runtime/report/webhook.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';

type Answer = 'ok' | 'error' | 'gone' | 'never';
interface Received { method: string; url: string; contentType: string; body: Record<string, unknown> }

/** Records every request; answers 204, 500 or never, as the test sets `answer`. */
async function startHookServer(): Promise<{ server: Server; port: number; received: Received[]; answer: { mode: Answer } }> {
  const received: Received[] = [];
  const answer = { mode: 'ok' as Answer };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      if (answer.mode === 'ok') res.writeHead(204).end();
      else if (answer.mode === 'error') res.writeHead(500).end('internal error');
      else if (answer.mode === 'gone') res.writeHead(404).end('no such hook');
      // 'never': the request hangs until the client gives up.
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, received, answer };
}

describe('webhook reports of full runs', () => {
  const token = `T0KEN${randomBytes(8).toString('hex')}`;
  const query = `q${randomBytes(8).toString('hex')}`;
  const hookPath = `/hooks/${token}?key=${query}`;
  let work: string;
  let src: string;
  let n = 0;
  let hook: Awaited<ReturnType<typeof startHookServer>>;
  let smtp: SmtpTestServer;
  const fast = { report: { mailRetryBudgetMs: 0, mail: { timeoutMs: 5_000 } } };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-webhook-'));
    src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'file'), 'data\n');
    hook = await startHookServer();
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    hook.server.closeAllConnections();
    await new Promise((r) => hook.server.close(r));
    await smtp.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A config whose webhook URL file holds `url`; mail style `all` so the mail carries the whole log. */
  function setup(url: string, webhook: Partial<NonNullable<RuntimeConfigInput['report']>['webhook']> = {}, source = src): RuntimeConfig {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    writeFileSync(join(dir, 'webhook-url'), `${url}\n`, { mode: 0o600 });
    const over: Partial<RuntimeConfigInput> = {
      report: {
        webhook: { url_file: join(dir, 'webhook-url'), ...webhook },
        mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'all', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } },
      },
    };
    return runConfig(dir, join(dir, 'dest'), [source], over);
  }
  const hookUrl = (port = hook.port): string => `http://127.0.0.1:${port}${hookPath}`;

  /** Every place the run leaves text a person or a program reads afterwards. */
  async function traces(r: RunResult, cfg: RuntimeConfig, mailsBefore: number): Promise<{ log: string; result: string; lastRun: string; mail: string }> {
    const got = smtp.received.slice(mailsBefore);
    expect(got).toHaveLength(1);
    return {
      log: readFileSync(r.logFile!, 'utf8'), result: JSON.stringify(r),
      lastRun: readFileSync(lastRunPath(cfg.state_dir), 'utf8'), mail: `${got[0]!.subject}\n${got[0]!.body}`,
    };
  }
  function expectNoSecret(t: Record<string, string>): void {
    for (const [where, text] of Object.entries(t)) {
      for (const secret of [token, query, hookPath]) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
    }
  }

  test('when: always, an ok run: one JSON POST with the summary text and the run\'s fields', async () => {
    hook.answer.mode = 'ok';
    const cfg = setup(hookUrl(), { when: 'always' });
    const before = hook.received.length;
    const mails = smtp.received.length;
    const r = await runNightly(cfg, fast);
    expect(r.status).toBe('ok');
    const got = hook.received.slice(before);
    expect(got).toHaveLength(1);
    const req = got[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(hookPath);
    expect(req.contentType).toBe('application/json');
    expect(req.body).toMatchObject({
      host: r.host, name: 'set', status: 'ok', exitCode: 0, startedAt: r.startedAt, finishedAt: r.finishedAt,
      snapshot: r.snapshot, errors: [], warnings: [], stats: { files: r.stats!.files, filesTransferred: 1 },
      spaceAfter: { freeBytes: r.spaceAfter!.freeBytes },
    });
    const text = req.body.text as string;
    expect(req.body.content).toBe(text);
    expect(text).toMatch(new RegExp(`^Backup set on ${r.host}: ok\\. Snapshot ${basename(r.snapshot!)}, took \\S+ m?s, \\S+ \\S+ added\\.$`));
    const t = await traces(r, cfg, mails);
    expect(t.log).toContain(`webhook: posted to http://127.0.0.1:${hook.port}`);
    expect(t.mail).not.toContain('Not delivered');
    expectNoSecret(t);
  });

  test('when: problems (the default): nothing for an ok run, a POST for a failed one', async () => {
    hook.answer.mode = 'ok';
    const before = hook.received.length;
    const ok = await runNightly(setup(hookUrl()), fast);
    expect(ok.status).toBe('ok');
    expect(hook.received.length).toBe(before);

    const failed = await runNightly(setup(hookUrl(), {}, join(work, 'missing-source')), fast);
    expect(failed.status).toBe('failed');
    const got = hook.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toMatchObject({ status: 'failed', exitCode: 1, snapshot: null, errors: failed.errors });
    expect(got[0]!.body.text).toContain(`: FAILED. No snapshot written, took `);
    expect(got[0]!.body.text).toContain(`Error: ${failed.errors[0]!}`);
  });

  test.each([
    ['the server answers 500', 'error', /^webhook: HTTP 500 \(http:\/\/127\.0\.0\.1:\d+\); kept for the next run$/],
    ['connection refused', 'refused', /^webhook: connection refused \(http:\/\/127\.0\.0\.1:\d+\); kept for the next run$/],
    ['the server never answers', 'never', /^webhook: no answer within 0\.5 s \(http:\/\/127\.0\.0\.1:\d+\); kept for the next run$/],
  ] as const)('%s: one warning line, the backup still ok (exit 0), no trace of the URL', async (_name, mode, warning) => {
    let port = hook.port;
    if (mode === 'refused') {
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
      port = (probe.address() as AddressInfo).port;
      await new Promise((r) => probe.close(r));
    } else {
      hook.answer.mode = mode;
    }
    const cfg = setup(hookUrl(port), { when: 'always', timeout_s: 0.5 });
    const mails = smtp.received.length;
    const r = await runNightly(cfg, fast);
    expect(r).toMatchObject({ status: 'ok', exitCode: 0, errors: [], warnings: [] });
    const t = await traces(r, cfg, mails);
    const lines = t.log.split('\n').filter((l) => / +webhook: /.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]!).toMatch(/^\S+ warn +webhook: /);
    expect(lines[0]!.replace(/^\S+ warn +/, '')).toMatch(warning);
    // The record is written before the reports, as with a failed healthcheck ping.
    expect(JSON.parse(t.lastRun)).toMatchObject({ status: 'ok', exitCode: 0, warnings: [] });
    expect(t.mail).toMatch(/linkdest \S+ set: ok \(/);
    expect(t.mail.split('\n').filter((l) => l.startsWith('Not delivered: webhook: '))).toHaveLength(1);
    const spooled = readdirSync(webhookSpoolDir(cfg.state_dir)).map((f) => readFileSync(join(webhookSpoolDir(cfg.state_dir), f), 'utf8'));
    expect(spooled).toHaveLength(1);
    expectNoSecret({ ...t, spool: spooled.join('') });
  });

  test('a post kept after a 500 goes first at the next run, oldest first; the spool is then empty', async () => {
    hook.answer.mode = 'error';
    const cfg = setup(hookUrl(), { when: 'always' });
    const first = await runNightly(cfg, fast);
    const dir = webhookSpoolDir(cfg.state_dir);
    expect(readdirSync(dir)).toHaveLength(1);
    expect(statSync(join(dir, readdirSync(dir)[0]!)).mode & 0o777).toBe(0o600);
    hook.answer.mode = 'ok';
    const before = hook.received.length;
    await new Promise((r) => setTimeout(r, 1100)); // the next snapshot gets a later name
    const second = await runNightly(cfg, fast);
    const got = hook.received.slice(before).map((x) => x.body.startedAt);
    expect(got).toEqual([first.startedAt, second.startedAt]);
    expect(readdirSync(dir)).toEqual([]);
    expect(readFileSync(second.logFile!, 'utf8')).toContain(`delivered spooled report of the run at ${first.startedAt} (ok)`);
  });

  test(`at most ${WEBHOOK_SPOOL_MAX} posts wait: beyond that the oldest is dropped, with a warning`, async () => {
    hook.answer.mode = 'error';
    const cfg = setup(hookUrl(), { when: 'always' });
    const dir = webhookSpoolDir(cfg.state_dir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = Array.from({ length: WEBHOOK_SPOOL_MAX }, (_, i) => `20200101T0000${String(i).padStart(2, '0')}-1-x.json`);
    for (const f of old) writeFileSync(join(dir, f), '{"date":"","payload":{"startedAt":"old","status":"ok"}}\n', { mode: 0o600 });
    // The start of the run tries them (500: kept), then the run's own post fails and is kept too.
    const r = await runNightly(cfg, fast);
    const left = readdirSync(dir).sort();
    expect(left).toHaveLength(WEBHOOK_SPOOL_MAX);
    expect(left).not.toContain(old[0]);
    expect(left).toContain(old[1]);
    expect(readFileSync(r.logFile!, 'utf8')).toContain(`webhook: more than ${WEBHOOK_SPOOL_MAX} reports waiting; dropped the oldest`);
  });

  test('a refusal (HTTP 404: the hook is gone) is not kept: it would never pass', async () => {
    hook.answer.mode = 'gone';
    const cfg = setup(hookUrl(), { when: 'always' });
    const r = await runNightly(cfg, fast);
    expect(r).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(readFileSync(r.logFile!, 'utf8')).toMatch(/warn +webhook: HTTP 404 \(http:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(existsSync(webhookSpoolDir(cfg.state_dir)) ? readdirSync(webhookSpoolDir(cfg.state_dir)) : []).toEqual([]);
  });

  test('an unreadable URL file is a warning naming the file, and the run stays ok', async () => {
    const cfg = setup(hookUrl(), { when: 'always' });
    rmSync(cfg.report.webhook!.url_file);
    const r = await runNightly(cfg, fast);
    expect(r).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(readFileSync(r.logFile!, 'utf8')).toContain(`webhook: cannot read ${cfg.report.webhook!.url_file}: ENOENT`);
  });
});
