import { describe, expect, test } from 'vitest';
import { lastLine, stepName, wrapArgv } from '../../../provision/transport/exec-transport.ts';

describe('wrapArgv', () => {
  test.each([
    ['plain', ['ls', '-l'], false, undefined, ['ls', '-l']],
    ['become', ['ls'], true, undefined, ['sudo', '-n', '--', 'ls']],
    ['env survives sudo by following it', ['sh', '-c', 'x'], true, { A: '1', B_2: "it's" }, ['sudo', '-n', '--', 'env', 'A=1', "B_2=it's", 'sh', '-c', 'x']],
    ['env without become', ['true'], false, { A: 'x y' }, ['env', 'A=x y', 'true']],
    ['empty env adds nothing', ['true'], false, {}, ['true']],
  ])('%s', (_t, argv, become, env, want) => {
    expect(wrapArgv(argv, { become, env })).toEqual(want);
  });

  test('a remote timeout runs inside sudo, so it may kill a root command', () => {
    expect(wrapArgv(['sleep', '9'], { become: true, env: { A: '1' }, killAfterSeconds: 6 })).toEqual([
      'sudo', '-n', '--', 'timeout', '-s', 'KILL', '6', 'env', 'A=1', 'sleep', '9',
    ]);
  });

  test.each([
    ['empty command', [], {}, /empty/],
    ['bad variable name', ['true'], { 'A B': '1' }, /invalid environment variable name/],
    ['variable name with =', ['true'], { 'A=B': '1' }, /invalid environment variable name/],
    ['command env(1) would take for a variable', ['X=1'], { A: '1' }, /contains '='/],
    ['NUL byte', ['echo', 'a\0b'], {}, /NUL/],
  ])('refuses %s', (_t, argv, env, message) => {
    expect(() => wrapArgv(argv, { become: false, env })).toThrow(message);
  });
});

test.each([
  [['systemctl', 'daemon-reload'], 'systemctl daemon-reload'],
  [['/usr/sbin/mkfs.ext4', '-L', 'backup', '/dev/sdb1'], 'mkfs.ext4'],
  [['sh', '-c', 'script'], 'sh'],
  [['rsync', '/a/b', '/c'], 'rsync'],
  [['iscsiadm', '-m', 'node'], 'iscsiadm'],
])('stepName(%j) = %s', (argv, want) => {
  expect(stepName(argv)).toBe(want);
});

test.each([
  ['one\ntwo\n\n', 'two'],
  ['  padded  \n', 'padded'],
  ['', ''],
])('lastLine(%j) = %j', (text, want) => {
  expect(lastLine(text)).toBe(want);
});
