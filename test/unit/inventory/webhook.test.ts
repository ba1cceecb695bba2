/**
 * report.webhook in linkdest.yml: the URL is a secret, so it is only referenced (url_file
 * or url_env, on this machine); the host's config names the file the provisioner installs.
 */
import { describe, expect, test } from 'vitest';
import { HOST_WEBHOOK_URL_FILE } from '../../../inventory/build.ts';
import { DIR, HOME, parse, problems, yml } from './helpers.ts';

const one = (webhook: string) => parse(yml`
  hosts:
    h:
      sources: [/a]
      report:
        webhook: ${webhook}`).hosts[0]!;

describe('report.webhook resolves to a reference and the installed file', () => {
  test.each([
    ['url_file relative to the inventory', '{ url_file: secrets/webhook }', { password_file: `${DIR}/secrets/webhook` }],
    ['url_file under ~', '{ url_file: ~/.secrets/slack }', { password_file: `${HOME}/.secrets/slack` }],
    ['url_env', '{ url_env: LINKDEST_WEBHOOK }', { password_env: 'LINKDEST_WEBHOOK' }],
  ])('%s', (_name, webhook, ref) => {
    const h = one(webhook);
    expect(h.webhook_url).toEqual(ref);
    expect(h.runtime.report.webhook).toEqual({ url_file: HOST_WEBHOOK_URL_FILE, when: 'problems', timeout_s: 10 });
  });

  test('when and timeout ("30s" or seconds)', () => {
    expect(one('{ url_env: W, when: always, timeout: 30s }').runtime.report.webhook).toEqual({ url_file: HOST_WEBHOOK_URL_FILE, when: 'always', timeout_s: 30 });
    expect(one('{ url_env: W, timeout: 5 }').runtime.report.webhook?.timeout_s).toBe(5);
  });

  test('no webhook: no reference, nothing in the host config', () => {
    const h = parse('hosts:\n  h: { sources: [/a] }\n').hosts[0]!;
    expect(h.webhook_url).toBeUndefined();
    expect(h.runtime.report.webhook).toBeUndefined();
  });
});

describe('bad webhook settings: one line with line:col, never the URL', () => {
  const url = 'https://hooks.slack.com/services/T000/B000/T0KENxyz';
  test.each([
    ['an inline url', `{ url: "${url}" }`, '5:18', 'report.webhook.url: the webhook URL is a secret, never written in the inventory: use url_file (a file only you can read) or url_env (an environment variable)'],
    ['an inline url beside url_file', `{ url_file: w, url: "${url}" }`, '5:31', 'report.webhook.url: the webhook URL is a secret'],
    ['both references', '{ url_file: w, url_env: W }', '5:31', 'report.webhook.url_env: use url_file or url_env, not both'],
    ['no reference', '{ when: always }', '5:7', 'report.webhook: expected url_file or url_env'],
    ['a bad environment variable name', `{ url_env: "${url}" }`, '5:27', 'report.webhook.url_env: expected an environment variable name'],
    ['a bad when', '{ url_env: W, when: errors }', '5:36', 'report.webhook.when: expected one of always, problems'],
    ['a bad timeout', '{ url_env: W, timeout: soon }', '5:39', 'report.webhook.timeout: expected seconds or a duration'],
  ])('%s', (_name, webhook, position, fragment) => {
    const lines = problems(yml`
      hosts:
        h:
          sources: [/a]
          report:
            webhook: ${webhook}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^linkdest\\.yml:${position} `));
    expect(lines[0]).toContain(fragment);
    expect(lines[0]).not.toContain('T0KEN');
  });
});
