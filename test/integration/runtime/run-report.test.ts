/**
 * What a full run leaves for the person reading it: one log file per run in log.dir
 * (rotated to log.keep) with the same lines on stdout, and the mail report through a real
 * SMTP server on loopback, per style, spooled while the server is down and delivered by the
 * next run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RuntimeConfigInput } from '../../../runtime/config.ts';
import { runNightly } from '../../../runtime/run.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';

const root = join(import.meta.dirname, '../../..');
const fast = { report: { mailRetryBudgetMs: 0, mail: { timeoutMs: 5_000 } } };

describe('log files and mail reports of full runs', () => {
  let work: string;
  let src: string;
  let n = 0;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-report-'));
    src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'file'), 'data\n');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function setup(over: Partial<RuntimeConfigInput> = {}, source = src): ReturnType<typeof runConfig> {
    const dir = join(work, `case${++n}`);
    mkdirSync(join(dir, 'dest'), { recursive: true });
    writeFileSync(join(dir, 'dest/.linkdest-backup'), '');
    return runConfig(dir, join(dir, 'dest'), [source], over);
  }
  const mailTo = (port: number, style: 'all' | 'report' | 'errors'): Partial<RuntimeConfigInput> => ({
    report: { mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style, smtp: { host: '127.0.0.1', port, security: 'none' } } },
  });

  test('one log file per run, the newest log.keep kept, each holding its own run', async () => {
    const cfg = setup();
    cfg.log.keep = 2;
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await runNightly(cfg));
    const files = readdirSync(cfg.log.dir).sort();
    expect(files).toEqual(runs.slice(1).map((r) => basename(r.logFile!)).sort());
    for (const r of runs.slice(1)) {
      const text = readFileSync(r.logFile!, 'utf8');
      expect(text).toContain(`snapshot: ${r.snapshot}`);
      expect(text.match(/ status: ok \(exit 0\)/g)).toHaveLength(1);
    }
  });

  test('the CLI prints the same lines on stdout as it writes to the log file', () => {
    const cfg = setup();
    const config = join(work, `case${n}`, 'linkdest.json');
    writeFileSync(config, JSON.stringify(cfg));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'runtime/cli.ts'), '--config', config, 'run'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [file] = readdirSync(cfg.log.dir);
    // `2026-11-26T03:00:00.000Z info  message` in the file, `message` (or `warn: message`) on stdout.
    const fromFile = readFileSync(join(cfg.log.dir, file!), 'utf8').trimEnd().split('\n')
      .map((l) => l.replace(/^\S+ (\w+) +/, (_, level: string) => (level === 'info' ? '' : `${level}: `)));
    expect(r.stdout.trimEnd().split('\n')).toEqual(fromFile);
    expect(fromFile.some((l) => l.startsWith('status: ok'))).toBe(true);
  });

  describe('mail', () => {
    let smtp: SmtpTestServer;
    beforeAll(async () => { smtp = await startSmtpServer(); });
    afterAll(async () => { await smtp.close(); });

    test.each([
      ['all', 'ok', true, true],
      ['report', 'ok', true, false],
      ['errors', 'ok', false, false],
      ['errors', 'failed', true, true],
    ] as const)('style %s, run %s: mailed %s, with the full log %s', async (style, outcome, mailed, withLog) => {
      const cfg = setup(mailTo(smtp.port, style), outcome === 'ok' ? src : join(work, 'missing-source'));
      const before = smtp.received.length;
      const r = await runNightly(cfg, fast);
      expect(r.status).toBe(outcome);
      const got = smtp.received.slice(before);
      expect(got).toHaveLength(mailed ? 1 : 0);
      if (!mailed) return;
      expect(got[0]!.subject).toMatch(outcome === 'ok' ? /^linkdest \S+ set: ok \(/ : /^linkdest \S+ set: FAILED \(/);
      expect(got[0]!.body).toContain(`Log file: ${r.logFile}`);
      expect(got[0]!.body.includes('Full log:')).toBe(withLog);
      if (withLog) expect(got[0]!.body).toContain(`linkdest run of set to ${cfg.destination.path}`);
    });
  });

  test('mail server down: the report is spooled, and the next run delivers it before its own', async () => {
    const probe = await startSmtpServer();
    const port = probe.port;
    await probe.close();
    const cfg = setup(mailTo(port, 'report'));
    const first = await runNightly(cfg, fast);
    expect(first.status).toBe('ok');
    const spool = join(cfg.state_dir, 'spool');
    expect(readdirSync(spool)).toHaveLength(1);
    expect(readFileSync(first.logFile!, 'utf8')).toMatch(/report not delivered \(.*ECONNREFUSED.*\); spooled as/);

    const smtp = await startSmtpServer({ port });
    try {
      const second = await runNightly(cfg, fast);
      expect(smtp.received.map((m) => m.body.match(/^Snapshot: (.*)$/m)?.[1])).toEqual([first.snapshot, second.snapshot]);
      expect(readdirSync(spool)).toEqual([]);
    } finally {
      await smtp.close();
    }
  });
});
