/** reportFinish as the run calls it: metrics file, spool handling, and failures that only warn. */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { reportFinish, reportStart } from '../../../runtime/report/index.ts';
import { MAIL_SPOOL, flushSpool, spoolMail } from '../../../runtime/report/spool.ts';
import { MailError, type OutgoingMail } from '../../../runtime/report/mail.ts';
import { runResult } from '../../unit/runtime-periphery/run-result-fixture.ts';
import { memoryLogger } from './support/memory-logger.ts';
import { startSmtpServer, type SmtpTestServer } from './support/smtp-test-server.ts';

let dir = '';
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'linkdest-report-')); });
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const mail = (subject: string): OutgoingMail => ({ from: 'a@b.test', to: ['c@d.test'], subject, text: 'x\n', date: new Date().toISOString() });

describe('reportFinish', () => {
  test('writes the metrics file named in the config', async () => {
    const file = join(dir, 'linkdest.prom');
    const cfg = parseRuntimeConfig({ destination: { path: '/mnt/Backup' }, sources: [{ path: '/Apps' }], report: { metrics_file: file } });
    await reportFinish(runResult(), cfg, memoryLogger());
    expect(await readFile(file, 'utf8')).toContain('linkdest_snapshots{name="Apps"} 57\n');
  });

  test('a metrics directory that does not exist: a warning, the report goes on', async () => {
    const file = join(dir, 'no-such-dir', 'linkdest.prom');
    const cfg = parseRuntimeConfig({ destination: { path: '/mnt/Backup' }, sources: [{ path: '/Apps' }], report: { metrics_file: file } });
    const log = memoryLogger();
    await reportFinish(runResult(), cfg, log);
    expect(log.lines).toEqual([expect.stringMatching(/^warn cannot write metrics file .*no-such-dir\/linkdest.prom: ENOENT/)]);
  });
});

describe('spool', () => {
  let smtp: SmtpTestServer;
  beforeAll(async () => { smtp = await startSmtpServer(); });
  afterAll(async () => { await smtp.close(); });

  test('older reports go out, oldest first, after tonight\'s mail was delivered', async () => {
    const state = join(dir, 'state-flush');
    await spoolMail(join(state, 'spool'), { ...mail('older one'), date: '2026-11-24T03:00:00.000Z' });
    await spoolMail(join(state, 'spool'), { ...mail('old one'), date: '2026-11-25T03:00:00.000Z' });
    const cfg = parseRuntimeConfig({
      destination: { path: '/mnt/Backup' }, sources: [{ path: '/Apps' }], state_dir: state,
      report: { mail: { to: ['admin@example.test'], from: 'linkdest@example.test', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } } },
    });
    await reportFinish(runResult(), cfg, memoryLogger());
    expect(smtp.received.map((m) => m.subject)).toEqual(['linkdest gentoo Apps: ok (2026-11-26 03:00)', 'older one', 'old one']);
    expect(await readdir(join(state, 'spool'))).toEqual([]);
  });

  test('an unreadable spool file is kept aside as .bad, not lost and not retried', async () => {
    const spool = join(dir, 'state-bad', 'spool');
    await spoolMail(spool, mail('fine'));
    await writeFile(join(spool, '0000-broken.json'), '{"subject": "trunc', { mode: 0o600 });
    const sent: string[] = [];
    const r = await flushSpool(spool, async (m) => { sent.push(m.subject); }, memoryLogger(), MAIL_SPOOL);
    expect(r).toEqual({ delivered: 1, remaining: 0 });
    expect(sent).toEqual(['fine']);
    expect(await readdir(spool)).toEqual(['0000-broken.json.bad']);
  });

  test('server down: the first failure ends the attempt, every message stays', async () => {
    const spool = join(dir, 'state-down', 'spool');
    for (const s of ['one', 'two', 'three']) await spoolMail(spool, mail(s));
    let tries = 0;
    const r = await flushSpool(spool, async () => { tries++; throw new MailError('ECONNECTION: connect ECONNREFUSED', true); }, memoryLogger(), MAIL_SPOOL);
    expect({ tries, ...r }).toEqual({ tries: 1, delivered: 0, remaining: 3 });
    expect(await readdir(spool)).toHaveLength(3);
  });

  test('reportStart with no mail configured and no healthcheck does nothing and says nothing', async () => {
    const log = memoryLogger();
    await reportStart(parseRuntimeConfig({ destination: { path: '/mnt/Backup' }, sources: [{ path: '/Apps' }], state_dir: join(dir, 'none') }), log);
    expect(log.lines).toEqual([]);
  });
});
