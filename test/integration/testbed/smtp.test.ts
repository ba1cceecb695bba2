/**
 * The test SMTP server on loopback (no root needed): what a client sends arrives with its
 * envelope and parsed subject; AUTH is enforced when credentials are set.
 */
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, test } from 'vitest';
import { startSmtp, type SmtpServer } from '../../testbed/index.ts';

describe('test SMTP server', () => {
  let smtp: SmtpServer | undefined;
  afterEach(async () => smtp?.close());

  test('keeps envelope, subject and body of each message', async () => {
    smtp = await startSmtp();
    const t = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
    await t.sendMail({ from: 'a@test.invalid', to: ['b@test.invalid', 'c@test.invalid'], subject: 'copia ñ', text: 'línea 1\nlínea 2' });
    const mail = await smtp.waitFor((m) => m.subject === 'copia ñ');
    expect(mail.from).toBe('a@test.invalid');
    expect(mail.to).toEqual(['b@test.invalid', 'c@test.invalid']);
    expect(mail.text.trim()).toBe('línea 1\nlínea 2');
    expect(mail.remoteAddress).toBe('127.0.0.1');
  });

  test('with credentials set, accepts the right password and refuses a wrong one', async () => {
    smtp = await startSmtp({ auth: { user: 'backup', pass: 's3cret' } });
    const send = (pass: string) => nodemailer.createTransport({
      host: smtp!.host, port: smtp!.port, secure: false, ignoreTLS: true, auth: { user: 'backup', pass },
    }).sendMail({ from: 'a@test.invalid', to: 'b@test.invalid', subject: `with ${pass}`, text: 'x' });
    await expect(send('wrong')).rejects.toThrow(/Invalid username or password/);
    await send('s3cret');
    expect((await smtp.waitFor((m) => m.subject === 'with s3cret')).user).toBe('backup');
    expect(smtp.messages).toHaveLength(1);
  });

  test('waitFor fails with a count when nothing matches', async () => {
    smtp = await startSmtp();
    await expect(smtp.waitFor(() => false, 200)).rejects.toThrow(/no matching message within 200 ms \(0 received\)/);
  });
});
