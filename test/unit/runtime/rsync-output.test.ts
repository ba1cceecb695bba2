import { describe, expect, test } from 'vitest';
import { filesNamedInErrors, judgeRsyncExit, listedGoneAsVanished, parseRsyncStats, isDiskFull } from '../../../runtime/engine/rsync-output.ts';

const STATS = `
Number of files: 53,780 (reg: 50,000, dir: 3,780)
Number of created files: 750 (reg: 750)
Number of deleted files: 0
Number of regular files transferred: 750
Total file size: 567,834,698 bytes
Total transferred file size: 6,514,804 bytes
Literal data: 6,514,804 bytes
`;

describe('parseRsyncStats', () => {
  test('rsync 3.2/3.5 --stats block', () => {
    expect(parseRsyncStats(STATS)).toEqual({ files: 53780, regularFiles: 50000, filesTransferred: 750, totalSize: 567834698, bytesTransferred: 6514804 });
  });
  test('no stats (rsync died early): zeros, not NaN', () => {
    expect(parseRsyncStats('')).toEqual({ files: 0, regularFiles: 0, filesTransferred: 0, totalSize: 0, bytesTransferred: 0 });
  });
});

describe('files named in rsync complaints', () => {
  test.each([
    ['rsync: [sender] send_files failed to open "/Apps/secret": Permission denied (13)', ['/Apps/secret']],
    ['rsync: [sender] link_stat "/Apps/gone" failed: No such file or directory (2)', ['/Apps/gone']],
    ['file has vanished: "/Apps/tmp/x.lock"', ['/Apps/tmp/x.lock']],
    ['rsync: [sender] opendir "/Apps/a b" failed: Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]', ['/Apps/a b']],
    ['rsync error: some files/attrs were not transferred (code 23)', []],
  ])('%s', (stderr, want) => {
    expect(filesNamedInErrors(stderr)).toEqual(want);
  });
});

describe('judgeRsyncExit', () => {
  test.each([
    [0, '', 'ok', ''],
    [24, 'file has vanished: "/Apps/x"', 'warning', '/Apps: files vanished during the copy: /Apps/x'],
    [23, 'rsync: [sender] send_files failed to open "/Apps/s": Permission denied (13)', 'warning', '/Apps: some files could not be copied: /Apps/s'],
    [12, 'rsync: [receiver] write failed on "/mnt/b/x": No space left on device (28)\nrsync error: error in rsync protocol data stream (code 12)', 'failed', '/Apps: rsync exited with 12: rsync: [receiver] write failed on "/mnt/b/x": No space left on device (28)'],
    [255, 'Host key verification failed.\r\nrsync: connection unexpectedly closed (0 bytes received so far) [Receiver]\nrsync error: unexplained error (code 255) at io.c(285) [Receiver=3.5.0]', 'failed', '/Apps: rsync exited with 255: Host key verification failed.'],
    // The order rsync and ssh write in varies: rsync's own broken pipe may come after ssh's reason.
    [255, 'ssh: connect to host 10.0.0.3 port 22: Connection refused\r\nrsync: [Receiver] safe_write failed to write 4 bytes to socket: Broken pipe (32)\nrsync error: unexplained error (code 255) at io.c(232) [Receiver=3.2.7]', 'failed', '/Apps: rsync exited with 255: ssh: connect to host 10.0.0.3 port 22: Connection refused'],
    [255, '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\nHost key for [127.0.0.9]:2222 has changed and you have requested strict checking.\r\nHost key verification failed.\r\nrsync: connection unexpectedly closed (0 bytes received so far) [Receiver]', 'failed', '/Apps: rsync exited with 255: Host key verification failed. (REMOTE HOST IDENTIFICATION HAS CHANGED)'],
    [1, 'rsync error: syntax or usage error (code 1) at main.c(1795) [client=3.5.0]', 'failed', '/Apps: rsync exited with 1: rsync error: syntax or usage error (code 1) at main.c(1795) [client=3.5.0]'],
    [23, 'rsync: [sender] change_dir "/Apps" failed: No such file or directory (2)\nrsync error: some files/attrs were not transferred (code 23)', 'failed', '/Apps: cannot read the source directory: [sender] change_dir "/Apps" failed: No such file or directory (2)'],
    [23, 'rsync: [sender] change_dir "/Apps/sub" failed: Permission denied (13)', 'warning', '/Apps: some files could not be copied: /Apps/sub'],
  ])('exit %i', (code, stderr, kind, message) => {
    const v = judgeRsyncExit(code, stderr, '/Apps');
    if (v.kind !== 'ok') expect(judgeRsyncExit(code, stderr, 'backup@nas:/Apps/').kind).toBe(v.kind);
    expect(v.kind).toBe(kind);
    if (v.kind !== 'ok') expect(v.message).toBe(message);
  });

  test('disk full is recognised from exit 11/12 and the message', () => {
    expect(isDiskFull(11, 'rsync: [receiver] write failed on "x": No space left on device (28)')).toBe(true);
    expect(isDiskFull(23, 'Permission denied')).toBe(false);
  });
});

describe('a listed name gone before rsync read it (rsync-output.ts listedGoneAsVanished)', () => {
  const closing = 'rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]';
  test.each([
    ['only gone names: exit 24, named as vanished', 23, `rsync: [sender] link_stat "/s/gone" failed: No such file or directory (2)\n${closing}\n`, { code: 24, stderr: 'file has vanished: "/s/gone"' }],
    ['another error too: unchanged', 23, `rsync: [sender] link_stat "/s/gone" failed: No such file or directory (2)\nrsync: [sender] send_files failed to open "/s/x": Permission denied (13)\n${closing}\n`, undefined],
    ['permission denied on link_stat: unchanged', 23, `rsync: [sender] link_stat "/s/x" failed: Permission denied (13)\n${closing}\n`, undefined],
    ['exit 0 or 24: unchanged', 24, 'file has vanished: "/s/y"\n', undefined],
  ])('%s', (_name, code, stderr, expected) => {
    expect(listedGoneAsVanished(code, stderr)).toEqual(expected ?? { code, stderr });
  });
});
