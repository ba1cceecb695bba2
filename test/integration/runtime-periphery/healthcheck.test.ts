/** Healthcheck pings against a real HTTP server on 127.0.0.1 (healthchecks.io conventions). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { reportFinish, reportStart } from '../../../runtime/report/index.ts';
import { runResult } from '../../unit/runtime-periphery/run-result-fixture.ts';
import { memoryLogger } from './support/memory-logger.ts';

interface Ping { method: string; url: string; body: string }

describe('healthcheck pings', () => {
  const pings: Ping[] = [];
  let answer = 200;
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
        pings.push({ method: req.method ?? '', url: req.url ?? '', body });
        if (req.url?.startsWith('/hang')) return; // never answers
        res.statusCode = answer;
        res.end('OK');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const cfg = (url: string) => parseRuntimeConfig({
    destination: { path: '/mnt/Backup' }, sources: [{ path: '/Apps' }], report: { healthcheck_url: url },
  });

  test.each([
    ['ok', '/ping/abc'],
    ['warning', '/ping/abc'],
    ['failed', '/ping/abc/fail'],
    ['skipped', '/ping/abc/fail'],
  ] as const)('run %s -> POST %s with the summary', async (status, url) => {
    pings.length = 0;
    const log = memoryLogger();
    await reportFinish(runResult({ status }), cfg(`${base}/ping/abc/`), log);
    expect(pings).toHaveLength(1);
    expect(pings[0]).toMatchObject({ method: 'POST', url });
    expect(pings[0]!.body).toMatch(/^Backup Apps on gentoo: /);
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  test('run start -> /start', async () => {
    pings.length = 0;
    await reportStart(cfg(`${base}/ping/abc`), memoryLogger());
    expect(pings.map((p) => p.url)).toEqual(['/ping/abc/start']);
  });

  test('server answers 500: a warning, no exception', async () => {
    answer = 500;
    try {
      const log = memoryLogger();
      await reportStart(cfg(`${base}/ping/abc`), log);
      expect(log.lines).toEqual(['warn healthcheck start ping: HTTP 500']);
    } finally {
      answer = 200;
    }
  });

  test('server does not answer: gives up after the short timeout with a warning', async () => {
    const log = memoryLogger();
    await reportStart(cfg(`${base}/hang`), log, { healthcheckTimeoutMs: 300 });
    expect(log.lines).toEqual(['warn healthcheck start ping failed: no answer within 300 ms']);
  });

  test('nothing listening: a warning naming the connection error', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const log = memoryLogger();
    await reportFinish(runResult({ status: 'failed' }), cfg(`http://127.0.0.1:${port}/x`), log);
    expect(log.lines).toEqual(['warn healthcheck fail ping failed: ECONNREFUSED']);
  });
});
