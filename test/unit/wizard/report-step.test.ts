/**
 * The reports step of `linkdest init` when the test mail fails: one line saying why, then
 * change the settings (asked again with the answers as defaults), keep them, or drop mail;
 * --yes keeps them. Only the password finally chosen is stored, in the 0600 file.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runInit } from '../../../provision/wizard/flow.ts';
import { testMail } from '../../../provision/wizard/report-step.ts';
import { harness, workdir } from './fixtures.ts';
import { seq } from './scripted.ts';

let dir: string;
beforeEach(async () => { dir = await workdir(); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });
const opts = () => ({ inventory: join(dir, 'linkdest.yml'), mountpoint: '/mnt/Backup' });
const base = { host: 'marte.lan', identity: '', 'healthcheck-url': '', disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' };
const mailAnswers = { 'mail-to': 'admin@example.org', 'smtp-host': 'mail.example.org', 'smtp-user': 'backup' };

/** A server that accepts only this password, and says so as nodemailer does (two lines). */
function withServer(h: ReturnType<typeof harness>, password: string) {
  const tried: string[] = [];
  h.deps.sendMail = async (_mail, pw) => {
    tried.push(pw ?? '');
    if (pw !== password) throw new Error('Invalid login: 535 Invalid username or password\n    at SMTPConnection._formatError');
  };
  return tried;
}

describe('linkdest init, a failing test mail', () => {
  test('"change": asked again with the previous answers as defaults; the right password is the one stored', async () => {
    const h = harness({ ...base, ...mailAnswers, 'smtp-password': seq('wrong-pw', 'right-pw'), 'mail-failed': 'change', 'smtp-host': seq('mail.example.org') });
    const tried = withServer(h, 'right-pw');
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(tried).toEqual(['wrong-pw', 'right-pw']);
    const said = h.rec.said.join('\n');
    expect(said).toContain('Test mail failed: Invalid login: 535 Invalid username or password\n');
    expect(said).toContain('Test mail accepted by mail.example.org:587');
    // The second round offers the first round's answers.
    expect(h.prompts.questions('smtp-host')[1]).toMatchObject({ default: 'mail.example.org' });
    expect(h.prompts.questions('smtp-user')[1]).toMatchObject({ default: 'backup' });
    expect(h.prompts.questions('mail-to')[1]).toMatchObject({ default: 'admin@example.org' });
    expect(await readFile(join(dir, 'marte.smtp-secret'), 'utf8')).toBe('right-pw\n');
    for (const f of await readdir(dir)) expect(await readFile(join(dir, f), 'utf8'), f).not.toContain('wrong-pw');
    expect(said).not.toMatch(/wrong-pw|right-pw/);
  });

  test('"none": no mail section and no secret file', async () => {
    const h = harness({ ...base, ...mailAnswers, 'smtp-password': 'wrong-pw', 'mail-failed': 'none' });
    withServer(h, 'right-pw');
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.report).toBeUndefined();
    expect(await readdir(dir)).not.toContain('marte.smtp-secret');
  });

  test('--yes: a failed test mail is said in one line and the settings are kept', async () => {
    const h = harness({}, {}, { ...base, ...mailAnswers, 'smtp-password': 'wrong-pw' }, true);
    withServer(h, 'right-pw');
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.rec.said.filter((l) => l.startsWith('Test mail failed'))).toEqual(['Test mail failed: Invalid login: 535 Invalid username or password']);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.report.mail.smtp.password_file).toBe('./marte.smtp-secret');
  });

  test('changing the security proposes that security\'s port, not the old one', async () => {
    const h = harness({ ...base, ...mailAnswers, 'smtp-password': seq('a', 'b'), 'mail-failed': 'change', 'smtp-security': seq('starttls', 'tls') });
    withServer(h, 'b');
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('smtp-port').map((q) => (q as { default?: string }).default)).toEqual(['587', '465']);
  });
});

test('the test mail says where it came from and that the host sends the real reports', () => {
  const m = testMail('marte', { to: 'admin@example.org', from: 'linkdest@marte', smtp: { host: 'mail.example.org', port: 587, security: 'starttls', user: 'backup' } }, 'laptop');
  expect(m.subject).toBe('linkdest: test mail for marte');
  expect(m.text).toContain('from `linkdest init` on laptop, sent through mail.example.org:587 as backup');
  expect(m.text).toContain('marte mails a report to admin@example.org after every backup, from linkdest@marte');
});
