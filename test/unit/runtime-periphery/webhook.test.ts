/**
 * The webhook's pure parts: which runs are posted, the JSON body (text for Slack and
 * Mattermost, content for Discord, the run's fields), what a failure may say about the URL,
 * and the URL file's checks. The POST itself: test/integration/runtime/run-webhook.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { failureReason, readWebhookUrl, shouldPost, shownOrigin, TEXT_MAX, transientStatus, webhookPayload } from '../../../runtime/report/webhook.ts';
import { runResult } from './run-result-fixture.ts';

describe('shouldPost', () => {
  test.each([
    ['always', 'ok', true], ['always', 'failed', true],
    ['problems', 'ok', false], ['problems', 'warning', true], ['problems', 'failed', true], ['problems', 'skipped', true],
  ] as const)('when %s, run %s -> %s', (when, status, post) => {
    expect(shouldPost(when, status)).toBe(post);
  });
});

describe('webhookPayload: the text', () => {
  test.each([
    ['ok, with space used', runResult({ stats: { ...runResult().stats!, bytesUsed: 6 * 1024 ** 3 } }),
      'Backup Apps on gentoo: ok. Snapshot 2026-11-26_03-00-00, took 1 h 2 min 5 s, 6.0 GiB added.'],
    ['ok, size from the bytes transferred when the space used is unknown', runResult(),
      'Backup Apps on gentoo: ok. Snapshot 2026-11-26_03-00-00, took 1 h 2 min 5 s, 5.0 GiB added.'],
    ['warning: the first warning', runResult({ status: 'warning', exitCode: 2, warnings: ['rsync: file vanished: /Apps/tmp/x'] }),
      'Backup Apps on gentoo: WARNING. Snapshot 2026-11-26_03-00-00, took 1 h 2 min 5 s, 5.0 GiB added. Warning: rsync: file vanished: /Apps/tmp/x'],
    ['failed: the first error and how many more', runResult({
      status: 'failed', exitCode: 1, snapshot: undefined, stats: undefined, durationMs: 4_000,
      errors: ['destination /mnt/Backup: marker .linkdest-backup missing', 'second'], warnings: ['third'],
    }), 'Backup Apps on gentoo: FAILED. No snapshot written, took 4 s. Error: destination /mnt/Backup: marker .linkdest-backup missing (and 2 more problems)'],
    ['skipped by a pre hook, its arguments hidden', runResult({
      status: 'skipped', exitCode: 1, snapshot: undefined, stats: undefined, durationMs: 300,
      errors: ['hook dump --password s3cret failed (exit 1): backup skipped'],
    }), 'Backup Apps on gentoo: SKIPPED. No snapshot written, took 300 ms. Error: hook dump (arguments in the log) failed (exit 1): backup skipped'],
  ])('%s', (_name, r, text) => {
    const p = webhookPayload(r, [['dump', '--password', 's3cret']]);
    expect(p.text).toBe(text);
    expect(p.content).toBe(text);
  });

  test('a very long problem is cut so Discord still takes the message', () => {
    const p = webhookPayload(runResult({ status: 'failed', errors: ['x'.repeat(5000)] }));
    expect(p.text.length).toBe(TEXT_MAX);
    expect(p.text.endsWith('...')).toBe(true);
    expect(p.errors[0]).toHaveLength(5000);
  });
});

describe('webhookPayload: the structured fields', () => {
  test('every field of the run that a receiver may want, nulls where the run has none', () => {
    const r = runResult();
    expect(webhookPayload(r)).toEqual({
      kind: 'backup', text: expect.any(String), content: expect.any(String),
      host: 'gentoo', name: 'Apps', status: 'ok', exitCode: 0, startedAt: r.startedAt, finishedAt: r.finishedAt,
      durationMs: 3_725_000, snapshot: '/mnt/Backup/Apps/2026-11-26_03-00-00', errors: [], warnings: [],
      stats: r.stats, spaceAfter: r.spaceAfter, sources: [], disks: null,
    });
    expect(webhookPayload(runResult({ snapshot: undefined, stats: undefined, spaceAfter: undefined })))
      .toMatchObject({ snapshot: null, stats: null, spaceAfter: null });
    const sources = [{ source: 'marte:/Apps', status: 'failed' as const, reason: 'host marte: unreachable (connection refused)' }];
    expect(webhookPayload(runResult({ status: 'warning', sources })).sources).toEqual(sources);
  });
});

describe('what a failure may show of the URL', () => {
  test.each([
    ['https://hooks.slack.com/services/T000/B000/XXXX', 'https://hooks.slack.com'],
    ['https://chat.example.org:8443/hooks/abc?token=xyz', 'https://chat.example.org:8443'],
    ['http://user:pw@ntfy.example.org/topic', 'http://ntfy.example.org'],
    ['https://[2001:db8::1]/h/t', 'https://[2001:db8::1]'],
  ])('%s -> %s', (url, shown) => {
    expect(shownOrigin(new URL(url))).toBe(shown);
  });

  const withCode = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code} https://x/secret`), { code }) });
  test.each([
    ['refused', withCode('ECONNREFUSED'), false, 'connection refused'],
    ['unknown host', withCode('ENOTFOUND'), false, 'host not found'],
    ['other code, as is', withCode('CERT_HAS_EXPIRED'), false, 'CERT_HAS_EXPIRED'],
    ['no code: never the message', new TypeError('Failed to parse URL from https://x/secret'), false, 'request failed'],
    ['timed out', new DOMException('aborted', 'TimeoutError'), true, 'no answer within 10 s'],
  ])('%s', (_name, err, timedOut, reason) => {
    expect(failureReason(err, timedOut, 10)).toBe(reason);
  });
});

describe('readWebhookUrl: the file on the host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linkdest-webhook-url-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  test('a URL with its newline', async () => {
    expect(String(await readWebhookUrl(file('ok', 'https://hooks.example.org/T/B/X\n')))).toBe('https://hooks.example.org/T/B/X');
  });

  test.each([
    ['empty', '\n', 'is empty'],
    ['not a URL', 'hooks/T0KEN', 'does not hold a URL'],
    ['not http', 'ftp://example.org/T0KEN', 'does not hold an http(s) URL'],
    ['credentials', 'https://u:T0KEN@example.org/x', 'a URL with user:password@ cannot be used'],
  ])('%s: one line naming the file, not the content', async (name, text, why) => {
    const f = file(name, text);
    const r = await readWebhookUrl(f);
    expect(r).toBe(`${f}${why.startsWith('a URL') ? ': ' : ' '}${why}`);
    expect(String(r)).not.toContain('T0KEN');
  });

  test('a missing file', async () => {
    expect(await readWebhookUrl(join(dir, 'absent'))).toBe(`cannot read ${join(dir, 'absent')}: ENOENT`);
  });
});

describe('transientStatus: what is kept for the next run', () => {
  test.each([[500, true], [502, true], [503, true], [429, true], [408, true], [400, false], [401, false], [403, false], [404, false], [410, false]])('HTTP %i -> %s', (status, want) => {
    expect(transientStatus(status)).toBe(want);
  });
});
