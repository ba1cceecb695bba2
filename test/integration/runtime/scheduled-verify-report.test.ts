/**
 * The scheduled verify reports like a backup run, every channel at once, against real
 * receivers on 127.0.0.1: the Prometheus textfile (`promtool check metrics` when installed),
 * the verify's own healthcheck URL (success, then /fail), the run's webhook with a payload of
 * its own kind (`kind: "verify"`: coverage of the sample, inodes read, each damaged file with
 * the snapshots sharing it), and the mail (real SMTP server). A webhook that answers 500 is
 * named in the mail and kept for the next report.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backup } from '../../../runtime/backup.ts';
import type { RuntimeConfig } from '../../../runtime/config.ts';
import { webhookSpoolDir } from '../../../runtime/report/spool.ts';
import { runScheduledVerify } from '../../../runtime/verify/scheduled.ts';
import { hasCommand } from '../../support/needs.ts';
import { memoryLogger } from '../runtime-periphery/support/memory-logger.ts';
import { startSmtpServer, type SmtpTestServer } from '../runtime-periphery/support/smtp-test-server.ts';
import { runConfig } from './support/run-config.ts';

interface Received { path: string; body: string }

/** Records every POST; answers 200, or 500 while `failing` is set. */
async function startReceiver(): Promise<{ server: Server; port: number; received: Received[]; failing: { on: boolean } }> {
  const received: Received[] = [];
  const failing = { on: false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(failing.on ? 500 : 200).end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, received, failing };
}

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('scheduled verify: textfile, healthcheck, webhook and mail, like a run', () => {
  let work: string;
  let src: string;
  let smtp: SmtpTestServer;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let hc: Awaited<ReturnType<typeof startReceiver>>;
  let snapshot: string;
  const promFile = (): string => join(work, 'textfiles', 'linkdest-verify.prom');

  function config(sample: number, when: 'always' | 'problems' = 'always'): RuntimeConfig {
    return runConfig(work, join(work, 'dest'), [src], {
      verify: { sample, healthcheck_url: `http://127.0.0.1:${hc.port}/ping/verify-uuid` },
      report: {
        metrics_file: join(work, 'textfiles', 'linkdest.prom'),
        webhook: { url_file: join(work, 'webhook-url'), when },
        mail: { to: ['admin@example.test'], from: 'linkdest@example.test', style: 'all', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } },
      },
    });
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'linkdest-verify-report-'));
    src = join(work, 'src');
    mkdirSync(src);
    for (let i = 0; i < 40; i++) writeFileSync(join(src, `f${i}`), `file ${i}\n`.repeat(50));
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    mkdirSync(join(work, 'textfiles'));
    smtp = await startSmtpServer();
    hook = await startReceiver();
    hc = await startReceiver();
    writeFileSync(join(work, 'webhook-url'), `http://127.0.0.1:${hook.port}/hooks/T0KEN\n`, { mode: 0o600 });
    const plain = runConfig(work, join(work, 'dest'), [src]);
    await backup(plain, memoryLogger());
    await new Promise((r) => setTimeout(r, 1100));
    const second = await backup(plain, memoryLogger());
    expect(second.errors).toEqual([]);
    snapshot = second.snapshot!;
  });
  afterAll(async () => {
    for (const s of [hook, hc]) { s.server.closeAllConnections(); await new Promise((r) => s.server.close(r)); }
    await smtp.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('a clean sampled verify: all four report it, the webhook with its coverage', async () => {
    const r = await runScheduledVerify(config(50), memoryLogger());
    expect(r.exitCode).toBe(0);

    const prom = readFileSync(promFile(), 'utf8');
    if (hasCommand('promtool')) execFileSync('promtool', ['check', 'metrics'], { input: prom });
    expect(metricValue(prom, 'linkdest_verify_mismatches')).toBe(0);

    expect(hc.received.map((x) => x.path)).toEqual(['/ping/verify-uuid']);
    expect(hc.received[0]!.body).toContain('no mismatch');

    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.path).toBe('/hooks/T0KEN');
    const body = JSON.parse(hook.received[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: 'verify', name: 'set', status: 'ok', exitCode: 0, mismatches: [], error: null, coverage: { bucket: 1, buckets: 2 } });
    // Two snapshots sharing 40 inodes, half of them sampled (a hash of the inode number picks them).
    expect(body.inodesSampled).toBe(r.report!.inodesRead);
    expect(body.inodesSampled as number).toBeGreaterThan(0);
    expect(body.inodesSampled as number).toBeLessThan(40);
    expect((body.coverage as { filesLeftForOtherRuns: number }).filesLeftForOtherRuns).toBe(r.report!.skippedBySample);
    expect(body.text).toMatch(/^linkdest verify \S+ set: verified \d+ files in 2 snapshot\(s\)/);

    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.subject).toMatch(/^linkdest verify \S+ set: ok$/);
  });

  test('when: problems (the default): a clean verify posts nothing, the other channels still report', async () => {
    hook.received.length = 0;
    hc.received.length = 0;
    smtp.received.length = 0;
    const r = await runScheduledVerify(config(50, 'problems'), memoryLogger());
    expect(r.exitCode).toBe(0);
    expect(hook.received).toEqual([]);
    expect(hc.received.map((x) => x.path)).toEqual(['/ping/verify-uuid']);
    expect(smtp.received).toHaveLength(1);
  });

  test('a flipped byte: each channel says so, the webhook names the file and the snapshots sharing it', async () => {
    hook.received.length = 0;
    hc.received.length = 0;
    smtp.received.length = 0;
    const victim = join(snapshot, src.slice(1), 'f7');
    const ref = join(work, 'mtime-ref');
    execFileSync('touch', ['-r', victim, ref]);
    const fd = openSync(victim, 'r+');
    writeSync(fd, 'X', 0);
    closeSync(fd);
    execFileSync('touch', ['-r', ref, victim]);

    const r = await runScheduledVerify(config(100), memoryLogger());
    expect(r.exitCode).toBe(1);

    const prom = readFileSync(promFile(), 'utf8');
    if (hasCommand('promtool')) execFileSync('promtool', ['check', 'metrics'], { input: prom });
    expect(metricValue(prom, 'linkdest_verify_mismatches')).toBe(1);

    expect(hc.received.map((x) => x.path)).toEqual(['/ping/verify-uuid/fail']);
    expect(hc.received[0]!.body).toContain(`MISMATCH ${src.slice(1)}/f7`);

    expect(hook.received).toHaveLength(1);
    const body = JSON.parse(hook.received[0]!.body) as { kind: string; status: string; exitCode: number; coverage: unknown; mismatches: { path: string; sharedBy: string[] }[] };
    expect(body).toMatchObject({ kind: 'verify', status: 'failed', exitCode: 1, coverage: { bucket: 1, buckets: 1 } });
    expect(body.mismatches.map((m) => m.path)).toEqual([`${src.slice(1)}/f7`]);
    expect(body.mismatches[0]!.sharedBy).toHaveLength(2);

    expect(smtp.received.map((m) => m.subject)).toEqual([expect.stringMatching(/^linkdest verify \S+ set: 1 MISMATCH\(ES\)$/)]);
    expect(smtp.received[0]!.body).toContain('the same damaged inode is in 2 snapshot(s)');
  });

  test('a webhook answering 500: the mail names it, the payload waits in the spool for the next report', async () => {
    hook.received.length = 0;
    smtp.received.length = 0;
    hook.failing.on = true;
    try {
      const r = await runScheduledVerify(config(100), memoryLogger());
      expect(r.exitCode).toBe(1);
    } finally {
      hook.failing.on = false;
    }
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.body).toContain(`Not delivered: webhook: HTTP 500 (http://127.0.0.1:${hook.port}); kept for the next run`);
    expect(smtp.received[0]!.body).not.toContain('T0KEN');
    const spool = webhookSpoolDir(join(work, 'state'));
    expect(readdirSync(spool)).toHaveLength(1);
    // The next report gets through, and the one that waited goes after it.
    await runScheduledVerify(config(100), memoryLogger());
    expect(hook.received.map((x) => (JSON.parse(x.body) as { kind: string }).kind)).toEqual(['verify', 'verify', 'verify']);
    expect(readdirSync(spool)).toEqual([]);
  });
});
