/**
 * The "send a test mail now" step of `linkdest init` against a real SMTP server on
 * loopback (smtp-server, AUTH required): the mail arrives with its subject and body, a
 * wrong password is one line and the settings can be changed, and only the password
 * that worked is handed on to be stored.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAsker } from '../../../provision/wizard/ask.ts';
import { askReport, sendWithNodemailer } from '../../../provision/wizard/report-step.ts';
import { startSmtp, type SmtpServer } from '../../testbed/index.ts';
import { ScriptedPrompts, seq } from '../../unit/wizard/scripted.ts';

const USER = 'backup';
const PASS = `smtp-${process.pid}-Right`;

describe('linkdest init: the test mail through a real SMTP server', () => {
  let smtp: SmtpServer;
  beforeAll(async () => { smtp = await startSmtp({ auth: { user: USER, pass: PASS } }); });
  afterAll(async () => { await smtp?.close(); });

  const run = async (passwords: string[], extra: Record<string, string> = {}) => {
    const said: string[] = [];
    const secrets: { file: string; content: string }[] = [];
    const prompts = new ScriptedPrompts({
      'mail-to': 'admin@example.org', 'smtp-host': '127.0.0.1', 'smtp-security': 'none', 'smtp-port': String(smtp.port),
      'smtp-user': USER, 'smtp-password': seq(...passwords), 'healthcheck-url': '', ...extra,
    });
    const ask = createAsker({ backend: prompts.backend, out: (t) => said.push(t) });
    const result = await askReport({ ask, host: 'marte', inventoryDir: '/inventory', secrets, send: sendWithNodemailer });
    return { said, secrets, result, prompts };
  };

  test('the right password: the mail arrives, saying what it is', async () => {
    const before = smtp.messages.length;
    const r = await run([PASS]);
    expect(r.said).toContain(`Test mail accepted by 127.0.0.1:${smtp.port}; check the inbox of admin@example.org.`);
    const m = await smtp.waitFor((x) => x.subject === 'linkdest: test mail for marte');
    expect(smtp.messages.length).toBe(before + 1);
    expect(m.user).toBe(USER);
    expect(m.from).toBe('linkdest@marte');
    expect(m.to).toEqual(['admin@example.org']);
    expect(m.text).toContain('This is a test mail from `linkdest init`');
    expect(m.text).toContain('marte mails a report to admin@example.org after every backup');
    expect(m.raw).not.toContain(PASS);
    expect(r.secrets).toEqual([{ file: '/inventory/marte.smtp-secret', content: PASS }]);
    expect(r.result.mail?.smtp).toEqual({ host: '127.0.0.1', port: smtp.port, security: 'none', user: USER, password_file: './marte.smtp-secret' });
  });

  test('a wrong password: one line from the server, then changed; nothing delivered for the wrong one', async () => {
    const before = smtp.messages.length;
    const r = await run(['wrong-password', PASS], { 'mail-failed': 'change' });
    const failed = r.said.filter((l) => l.startsWith('Test mail failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^Test mail failed: Invalid login: 535 .*Invalid username or password$/);
    expect(smtp.messages.length).toBe(before + 1);
    expect(r.secrets).toEqual([{ file: '/inventory/marte.smtp-secret', content: PASS }]);
    expect(r.said.join('\n')).not.toMatch(new RegExp(`wrong-password|${PASS}`));
  });

  test('a wrong password, then "no mail reports for now": no mail settings, no secret', async () => {
    const r = await run(['wrong-password'], { 'mail-failed': 'none' });
    expect(r.result.mail).toBeUndefined();
    expect(r.secrets).toEqual([]);
  });

  test('nothing listening: one line naming the refusal', async () => {
    const closed = await startSmtp();
    const port = closed.port;
    await closed.close();
    const r = await run([PASS], { 'smtp-port': String(port), 'mail-failed': 'keep' });
    expect(r.said.filter((l) => l.startsWith('Test mail failed'))).toEqual([`Test mail failed: connect ECONNREFUSED 127.0.0.1:${port}`]);
    expect(r.result.mail?.smtp.port).toBe(port);
  });
});
