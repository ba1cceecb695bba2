/** report.webhook in linkdest.json: defaults, and one line naming the field for bad values. */
import { describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';

const base = { destination: { path: '/mnt/Backup' }, sources: [{ path: '/Apps' }] };
const parse = (webhook: unknown) => parseRuntimeConfig({ ...base, report: { webhook } }, '/etc/linkdest/linkdest.json');

describe('report.webhook', () => {
  test('absent: no webhook, and older configs still parse', () => {
    expect(parseRuntimeConfig(base).report.webhook).toBeUndefined();
  });

  test('defaults: problems only, 10 s', () => {
    expect(parse({ url_file: '/etc/linkdest/webhook-url' }).report.webhook).toEqual({ url_file: '/etc/linkdest/webhook-url', when: 'problems', timeout_s: 10 });
  });

  test('all set', () => {
    expect(parse({ url_file: '/etc/linkdest/webhook-url', when: 'always', timeout_s: 2.5 }).report.webhook)
      .toEqual({ url_file: '/etc/linkdest/webhook-url', when: 'always', timeout_s: 2.5 });
  });

  test.each([
    ['relative url_file', { url_file: 'webhook-url' }, 'report.webhook.url_file: expected an absolute path'],
    ['missing url_file', {}, 'report.webhook.url_file: '],
    ['bad when', { url_file: '/w', when: 'errors' }, 'report.webhook.when: '],
    ['zero timeout', { url_file: '/w', timeout_s: 0 }, 'report.webhook.timeout_s: '],
    ['timeout as text', { url_file: '/w', timeout_s: '10s' }, 'report.webhook.timeout_s: '],
    ['an inline url', { url_file: '/w', url: 'https://hooks.example.org/T0KEN' }, 'report.webhook: '],
  ])('%s', (_name, webhook, message) => {
    let err: Error | undefined;
    try {
      parse(webhook);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message.startsWith(`/etc/linkdest/linkdest.json: ${message}`)).toBe(true);
    expect(err?.message).not.toContain('\n');
    expect(err?.message).not.toContain('T0KEN');
  });
});
