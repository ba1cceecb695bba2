/**
 * From `linkdest init` flags to answers: --disk or the --iscsi-* flags also answer which
 * kind of target, secrets are read from their files, and a negatable flag counts only
 * when it was given.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { addInitFlags, presetsFromFlags, type InitFlags } from '../../../provision/wizard/flags.ts';

function presets(argv: string[]) {
  const cmd = addInitFlags(new Command('init').exitOverride());
  cmd.parse(argv, { from: 'user' });
  return presetsFromFlags(cmd.opts<InitFlags>(), (key) => cmd.getOptionValueSource(key) === 'cli');
}

describe('init flags', () => {
  test.each([
    { argv: [], target: undefined },
    { argv: ['--disk', '/dev/loop3'], target: 'usb' },
    { argv: ['--format-confirm', 'WX22'], target: 'usb' },
    { argv: ['--iscsi-portal', '192.0.2.10'], target: 'iscsi' },
    { argv: ['--iscsi-target', 'iqn.2004-04.com.qnap:ts-569pro:iscsi.a.b'], target: 'iscsi' },
    { argv: ['--target', 'usb', '--iscsi-portal', '192.0.2.10'], target: 'usb' },
    // Both kinds named: the question is asked (and a script must say --target).
    { argv: ['--disk', '/dev/loop3', '--iscsi-portal', '192.0.2.10'], target: undefined },
  ])('$argv -> target $target', ({ argv, target }) => {
    expect(presets(argv).target).toBe(target);
  });

  test('negatable flags answer only when given', () => {
    expect(presets([])).toMatchObject({ apply: undefined, 'test-mail': undefined, adopt: undefined });
    expect(presets(['--no-apply', '--no-test-mail'])).toMatchObject({ apply: false, 'test-mail': false });
  });

  test('password files: read without the final newline; an unreadable one is a usage error naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'linkdest-init-flags-'));
    try {
      await writeFile(join(dir, 'pw'), 'p4ss word\n', { mode: 0o600 });
      expect(presets(['--smtp-password-file', join(dir, 'pw')])['smtp-password']).toBe('p4ss word');
      expect(() => presets(['--chap-password-file', join(dir, 'missing')])).toThrow(`--chap-password-file ${join(dir, 'missing')}: cannot read: ENOENT`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
