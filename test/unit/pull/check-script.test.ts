/**
 * The forced command of the pull key, run for real with /bin/sh: each SSH_ORIGINAL_COMMAND
 * either reaches rsync word for word (here a stand-in that prints its argv) or is refused
 * with one line, never reaching it. Allowed paths: /Apps and /srv.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CHECK_SCRIPT, forcedCommand, sudoersRule } from '../../../provision/pull/check-script.ts';

const dir = mkdtempSync(join(tmpdir(), 'pull-check-'));
const script = join(dir, 'pull-check');
writeFileSync(script, CHECK_SCRIPT, { mode: 0o755 });
const fakeRsync = join(dir, 'rsync');
writeFileSync(fakeRsync, '#!/bin/sh\nprintf "RSYNC"; for a in "$@"; do printf " <%s>" "$a"; done; echo\n');
const fakeSudo = join(dir, 'sudo');
writeFileSync(fakeSudo, '#!/bin/sh\nprintf "SUDO"; for a in "$@"; do printf " <%s>" "$a"; done; echo\n');
// Stand-ins for the listing's two commands, first in PATH: each prints its argv.
for (const cmd of ['find', 'date']) writeFileSync(join(dir, cmd), `#!/bin/sh\nprintf "${cmd.toUpperCase()}"; for a in "$@"; do printf " <%s>" "$a"; done; echo\n`, { mode: 0o755 });
chmodSync(fakeRsync, 0o755);
chmodSync(fakeSudo, 0o755);

function check(command: string | undefined, sudo = false) {
  const env: NodeJS.ProcessEnv = { PATH: `${dir}:/usr/bin:/bin` };
  if (command !== undefined) env.SSH_ORIGINAL_COMMAND = command;
  const r = spawnSync('/bin/sh', [script, ...(sudo ? ['--sudo'] : []), fakeRsync, '/Apps', '/srv'], { env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

const argvOf = (words: string[]) => `RSYNC${words.map((w) => ` <${w}>`).join('')}`;

describe('allowed: a read-only rsync of the configured paths, passed on word for word', () => {
  test.each([
    ['the runtime\'s pull of /Apps', 'rsync --server --sender -logDtpre.iLsfxCIvu --numeric-ids . /Apps/'],
    ['with -x, -A, -X and nanosecond mtimes', 'rsync --server --sender -logDtpAXxre.iLsfxCIvu --numeric-ids --modify-window=-1 . /srv/'],
    ['without the trailing slash', 'rsync --server --sender -vlogDtpre.iLsfxCIvu . /Apps'],
    ['both paths at once', 'rsync --server --sender -logDtpre.iLsfxCIvu . /Apps/ /srv'],
    ['a listing (--list-only sends -d)', 'rsync --server --sender -de.LsfxCIvu . /Apps/'],
    ['the spot check (dry run, checksums; its sample travels as filter rules in the protocol)', 'rsync --server --sender -nltrce.iLsfxCIvu --modify-window=-1 . /Apps/'],
  ])('%s', (_name, command) => {
    const r = check(command);
    expect(r).toEqual({ code: 0, out: argvOf(command.split(' ').slice(1)), err: '' });
  });
});

describe('refused, rsync never started', () => {
  test.each([
    ['no command: an interactive shell', undefined, 'no command'],
    ['empty command', '', 'no command'],
    ['a shell', 'sh', 'not a read-only rsync'],
    ['another command', 'cat /etc/shadow', 'not a read-only rsync'],
    ['a write (receiver, no --sender)', 'rsync --server -logDtpre.iLsfxCIvu . /Apps/', 'not a read-only rsync'],
    ['--sender not in third place', 'rsync --server -logDtpre.iLsfxCIvu --sender . /Apps/', 'not a read-only rsync'],
    ['another path', 'rsync --server --sender -logDtpre.iLsfxCIvu . /etc/', 'path /etc/'],
    ['an allowed path and another', 'rsync --server --sender -logDtpre.iLsfxCIvu . /Apps/ /root', 'path /root'],
    ['.. out of an allowed path', 'rsync --server --sender -logDtpre.iLsfxCIvu . /Apps/../etc', 'path /Apps/../etc'],
    ['a path below an allowed one (not configured)', 'rsync --server --sender -logDtpre.iLsfxCIvu . /Apps/sub', 'path /Apps/sub'],
    ['a prefix of an allowed path', 'rsync --server --sender -logDtpre.iLsfxCIvu . /App', 'path /App'],
    ['an allowed path as prefix', 'rsync --server --sender -logDtpre.iLsfxCIvu . /Apps2', 'path /Apps2'],
    ['no paths', 'rsync --server --sender -logDtpre.iLsfxCIvu .', 'no paths'],
    ['no "."', 'rsync --server --sender -logDtpre.iLsfxCIvu /Apps/', 'unexpected word /Apps/'],
    ['-s: paths would come over the protocol', 'rsync --server --sender -s . /Apps/', 'option -s'],
    ['s inside the option cluster', 'rsync --server --sender -slogDtpre.iLsfxCIvu . /Apps/', 'option -slogDtpre'],
    ['--protect-args', 'rsync --server --sender --protect-args . /Apps/', 'option --protect-args'],
    ['--secluded-args', 'rsync --server --sender --secluded-args . /Apps/', 'option --secluded-args'],
    ['-L follows symlinks out of the paths', 'rsync --server --sender -Llogtpre.iLsfxCIvu . /Apps/', 'option -Llogtpre'],
    ['-k follows directory symlinks', 'rsync --server --sender -logktpre.iLsfxCIvu . /Apps/', 'option -logktpre'],
    ['--copy-unsafe-links', 'rsync --server --sender --copy-unsafe-links . /Apps/', 'option --copy-unsafe-links'],
    ['--remove-source-files deletes on the source', 'rsync --server --sender -logtpre.iLsfxCIvu --remove-source-files . /Apps/', 'option --remove-source-files'],
    ['--files-from names any file', 'rsync --server --sender -logtpre.iLsfxCIvu --files-from=- --from0 . /Apps/', 'option --files-from=-'],
    ['--exclude-from reads a file of the source', 'rsync --server --sender --exclude-from=/etc/shadow . /Apps/', 'option --exclude-from'],
    ['--filter merge reads a file of the source', 'rsync --server --sender --filter=merge,/etc/shadow . /Apps/', 'option --filter'],
    ['--log-file writes on the source', 'rsync --server --sender --log-file=/root/.bashrc . /Apps/', 'option --log-file'],
    ['--write-batch writes on the source', 'rsync --server --sender --write-batch=/tmp/b . /Apps/', 'option --write-batch'],
    ['--', 'rsync --server --sender -- . /Apps/', 'option --'],
    ['a second --server', 'rsync --server --sender --server . /Apps/', 'option --server'],
    ['a command substitution', 'rsync --server --sender . /Apps/$(id)', 'unexpected characters'],
    ['backquotes', 'rsync --server --sender . /Apps/`id`', 'unexpected characters'],
    ['a second command', 'rsync --server --sender . /Apps/; id', 'unexpected characters'],
    ['a wildcard', 'rsync --server --sender -logDtpre.iLsfxCIvu . /*', 'unexpected characters'],
    ['a newline', 'rsync --server --sender . /Apps/\nid', 'unexpected characters'],
    ['a tab as separator', 'rsync\t--server --sender . /Apps/', 'unexpected characters'],
    ['a quoted word', "rsync --server --sender . '/Apps/'", 'unexpected characters'],
  ])('%s', (_name, command, why) => {
    const r = check(command);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('linkdest pull-check: refused: ');
    expect(r.err).toContain(why);
    expect(r.err.split('\n')).toHaveLength(1);
  });
});

test('with --sudo, the allowed command runs rsync through sudo -n', () => {
  const r = check('rsync --server --sender -logDtpre.iLsfxCIvu . /srv/', true);
  expect(r).toEqual({ code: 0, out: `SUDO <-n> <--> <${fakeRsync}> <--server> <--sender> <-logDtpre.iLsfxCIvu> <.> </srv/>`, err: '' });
  expect(check('rsync --server . /srv/', true).code).toBe(1);
});

test('the forced command and the sudoers rule take only plain absolute paths', () => {
  expect(forcedCommand({ rsync: '/usr/bin/rsync', paths: ['/Apps', '/srv'], sudo: false })).toBe('/usr/local/lib/linkdest/pull-check /usr/bin/rsync /Apps /srv');
  expect(forcedCommand({ rsync: '/usr/bin/rsync', paths: ['/srv'], sudo: true })).toBe('/usr/local/lib/linkdest/pull-check --sudo /usr/bin/rsync /srv');
  expect(() => forcedCommand({ rsync: '/usr/bin/rsync', paths: ['/a b'], sudo: false })).toThrow('may hold only');
  expect(() => forcedCommand({ rsync: '/usr/bin/rsync', paths: ['/a"'], sudo: false })).toThrow('may hold only');
  expect(sudoersRule('backup', '/usr/bin/rsync')).toContain('backup ALL=(root) NOPASSWD: /usr/bin/rsync --server --sender *\n');
});

const FORMAT = '%y/%m/%U/%G/%s/%T@/%C@/%n/';
describe('the listing of an allowed path (runtime/engine/remote-listing.ts): run word for word, as the key\'s user', () => {
  test.each([
    ['a listing of /Apps', `date +%s && find /Apps -printf ${FORMAT} -print0`, ['/Apps']],
    ['with -xdev (one_file_system)', `date +%s && find /srv -xdev -printf ${FORMAT} -print0`, ['/srv', '-xdev']],
  ])('%s', (_name, command, args) => {
    for (const sudo of [false, true]) {
      expect(check(command, sudo)).toEqual({ code: 0, out: `DATE <+%s>\nFIND ${[...args, '-printf', FORMAT, '-print0'].map((a) => `<${a}>`).join(' ')}`, err: '' });
    }
  });

  test.each([
    ['another path', `date +%s && find /etc -printf ${FORMAT} -print0`, 'path /etc'],
    ['a path below an allowed one', `date +%s && find /Apps/sub -printf ${FORMAT} -print0`, 'path /Apps/sub'],
    ['.. out of an allowed path', `date +%s && find /Apps/.. -printf ${FORMAT} -print0`, 'path /Apps/..'],
    ['two paths', `date +%s && find /Apps /etc -printf ${FORMAT} -print0`, 'not the listing command'],
    ['another format (reads file contents? no: any change is refused)', 'date +%s && find /Apps -printf %p -print0', 'not the listing command'],
    ['-exec', `date +%s && find /Apps -exec sh ; -printf ${FORMAT} -print0`, 'not the listing command'],
    ['-delete', `date +%s && find /Apps -delete -printf ${FORMAT} -print0`, 'not the listing command'],
    ['-fprint writes a file', `date +%s && find /Apps -fprint /root/x ${FORMAT} -print0`, 'not the listing command'],
    ['a command after it', `date +%s && find /Apps -printf ${FORMAT} -print0 ; id`, 'not the listing command'],
    ['a second command in a word', `date +%s && find /Apps -printf ${FORMAT} -print0;id`, 'not the listing command'],
    ['a newline inside a word', `date +%s && find /Apps\nid -printf ${FORMAT} -print0`, 'path /Apps\nid'],
    ['a tab as separator', `date +%s && find /Apps\t-printf ${FORMAT} -print0`, 'not the listing command'],
    ['-L follows symlinks', `date +%s && find -L /Apps -printf ${FORMAT} -print0`, 'not the listing command'],
  ])('refused: %s', (_name, command, why) => {
    const r = check(command);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`linkdest pull-check: refused: ${why}`);
  });
});
