import { describe, expect, test } from 'vitest';
import { decodeHeaderValue, parseMail } from '../../testbed/mail-parse.ts';

describe('minimal mail parse', () => {
  test.each([
    ['plain', 'Subject: backup ok\r\n\r\nall fine\r\n', 'backup ok', 'all fine\n'],
    ['folded subject', 'Subject: backup\r\n  failed\r\n\r\nx', 'backup  failed', 'x'],
    ['quoted-printable body', 'Subject: s\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nfree=3D10G=\r\n ok', 's', 'free=10G ok'],
    ['base64 body', 'Subject: s\r\nContent-Transfer-Encoding: base64\r\n\r\naG9sYQ==\r\n', 's', 'hola'],
    ['no body', 'Subject: only', 'only', ''],
  ])('%s', (_name, raw, subject, text) => {
    const mail = parseMail(raw);
    expect(mail.subject).toBe(subject);
    expect(mail.text).toBe(text);
  });

  test.each([
    ['=?UTF-8?Q?copia_lista_=C3=B1?=', 'copia lista ñ'],
    ['=?utf-8?B?w7E=?= =?utf-8?B?w7E=?=', 'ññ'],
    ['plain text', 'plain text'],
  ])('decodes header %j', (value, expected) => {
    expect(decodeHeaderValue(value)).toBe(expected);
  });
});
