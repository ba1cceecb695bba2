import { describe, expect, test } from 'vitest';
import { unifiedDiff } from '../../../provision/render/diff.ts';
import { maskSecrets } from '../../../provision/render/mask.ts';

describe('maskSecrets', () => {
  test.each([
    ['password = hunter2', 'password = ********'],
    ['node.session.auth.password_in = chap-in', 'node.session.auth.password_in = ********'],
    ['  "smtp_password": "a \\" quoted",', '  "smtp_password": "********",'],
    ["secret: 'x y'", "secret: '********'"],
    ['client_secret: abc def,', 'client_secret: ********,'],
    ['PASSWORD=x', 'PASSWORD=********'],
    // Where a secret lives is not a secret.
    ['"password_file": "/etc/linkdest/smtp.pw"', '"password_file": "/etc/linkdest/smtp.pw"'],
    ['password_env: SMTP_PW', 'password_env: SMTP_PW'],
    // Empty values and ordinary text stay as they are.
    ['password =', 'password ='],
    ['"password": ""', '"password": ""'],
    ['sources = /Apps', 'sources = /Apps'],
    ['the password is checked', 'the password is checked'],
    // Secret by kind, whatever the key: URLs carry tokens in their path or query, passwords in their user part.
    ['  "healthcheck_url": "https://hc-ping.com/0b3e7a7c-1f2d-4c8e-9a55-3c7d2f1e9b10",', '  "healthcheck_url": "https://hc-ping.com/********",'],
    ['healthcheck_url: https://hc.example.org:8000/ping/abc123?create=1', 'healthcheck_url: https://hc.example.org:8000/********'],
    ['url = https://hooks.slack.com/services/T000/B000/XXXXsecret', 'url = https://hooks.slack.com/********'],
    ['webhook: http://ntfy.lan/backups-7f3a', 'webhook: http://ntfy.lan/********'],
    ['"endpoint": "https://alice:s3cr3t@push.example.org/"', '"endpoint": "https://********@push.example.org/"'],
    ['the ping goes to https://hc-ping.com/abc (every run)', 'the ping goes to https://hc-ping.com/******** (every run)'],
    ['uri: smtp://backup:hunter2@mail.lan:587', 'uri: smtp://backup:********@mail.lan:587'],
    // Not secrets: a URL with no path, a libvirt URI without a password.
    ['healthcheck_url: https://hc-ping.com/', 'healthcheck_url: https://hc-ping.com/'],
    ['"uri": "qemu+ssh://root@kvm.lan/system"', '"uri": "qemu+ssh://root@kvm.lan/system"'],
    ['"uri": "qemu:///system"', '"uri": "qemu:///system"'],
    // Secret by key: tokens, API keys, credentials; CHAP passwords of both directions.
    ['api_token: abc123', 'api_token: ********'],
    ['"apiKey": "k-123"', '"apiKey": "********"'],
    ['X-Api-Key = 42', 'X-Api-Key = ********'],
    ['credentials: user:pw', 'credentials: ********'],
    ['discovery.sendtargets.auth.password = chap-out', 'discovery.sendtargets.auth.password = ********'],
    ['node.session.auth.username = linkdest', 'node.session.auth.username = linkdest'],
    ['Authorization: Bearer eyJhbGciOi', 'Authorization: Bearer ********'],
    ['token_file: /root/tok', 'token_file: /root/tok'],
  ])('%s', (input, masked) => expect(maskSecrets(input)).toBe(masked));

  test('masks every line of a multi-line file independently', () => {
    expect(maskSecrets('a = 1\npassword = p1\nb = 2\nsecret = p2\n')).toBe('a = 1\npassword = ********\nb = 2\nsecret = ********\n');
  });
});

describe('unifiedDiff', () => {
  test.each([
    ['new file', { path: '/etc/f', after: 'one\n' }, '--- /dev/null\n+++ /etc/f\n@@ -0,0 +1,1 @@\n+one'],
    ['removed file', { path: '/etc/f', before: 'one\n' }, '--- /etc/f\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-one'],
    ['changed line', { path: '/etc/f', before: 'a\nb\n', after: 'a\nc\n' }, '--- /etc/f\n+++ /etc/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c'],
    ['same content', { path: '/etc/f', before: 'a\n', after: 'a\n' }, ''],
    ['new empty file', { path: '/etc/f', after: '' }, '--- /dev/null\n+++ /etc/f'],
  ])('%s', (_name, d, expected) => expect(unifiedDiff(d)).toBe(expected));

  test('a secret never appears on either side of the diff', () => {
    const d = unifiedDiff({ path: '/etc/iscsi/iscsid.conf', before: 'node.session.auth.password = old1\n', after: 'node.session.auth.password = new2\nx = 1\n' });
    expect(d).not.toMatch(/old1|new2/);
    expect(d).toContain('+x = 1');
  });
});
