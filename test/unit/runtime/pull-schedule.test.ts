import { describe, expect, test } from 'vitest';
import { machineOf, sourcesToStart } from '../../../runtime/pull-schedule.ts';
import { sourceFailureReason } from '../../../runtime/source-result.ts';

describe('which sources start now (runtime/pull-schedule.ts)', () => {
  test.each([
    ['/srv', ''],
    ['marte:/Apps', 'marte'],
    ['root@Marte:/Apps', 'marte'],
    ['backup@10.0.0.2:/srv', '10.0.0.2'],
  ])('%s is read on machine %j', (source, machine) => {
    expect(machineOf(source)).toBe(machine);
  });

  const two = ['marte:/Apps', 'venus:/srv'];
  const sameHost = ['marte:/Apps', 'root@marte:/srv', 'venus:/x'];
  const nested = ['nas:/srv', '/srv2', 'nas:/srv/data', 'venus:/y'];
  const outerRemote = ['/', 'marte:/Apps', '/home'];
  test.each([
    ['two machines, parallel 2: both at once', two, 2, [], [], [0, 1]],
    ['two machines, parallel 1: one after the other', two, 1, [], [], [0]],
    ['parallel 1, the first done: the second', two, 1, [], [0], [1]],
    ['one machine is pulled one source at a time', sameHost, 3, [], [], [0, 2]],
    ['its next source once the first is done', sameHost, 3, [2], [0], [1]],
    ['nothing while every slot is taken', sameHost, 2, [0, 2], [], []],
    ['an inner source waits for its outer one (another machine too)', nested, 4, [], [], [1, 0, 3]],
    ['the inner source starts once its outer one finished', nested, 4, [1, 3], [0], [2]],
    ['local sources are one machine: / then /home, beside the remote one', outerRemote, 2, [], [], [0]],
    ['a remote source inside / waits for /', outerRemote, 2, [], [0], [2, 1]],
    ['all done: nothing', two, 2, [], [0, 1], []],
  ])('%s', (_what, sources, parallel, running, done, want) => {
    expect(sourcesToStart(sources, parallel, { running, done })).toEqual(want);
  });
});

describe('a failed source in one line (runtime/source-result.ts)', () => {
  test.each([
    ['marte:/Apps', 'marte:/Apps: rsync exited with 255: Host key verification failed.', 'host marte: Host key verification failed: its host key changed, or is not in known_hosts'],
    ['marte:/Apps', 'marte:/Apps: rsync exited with 255: Host key verification failed. (REMOTE HOST IDENTIFICATION HAS CHANGED)', 'host marte: Host key verification failed: its host key CHANGED (REMOTE HOST IDENTIFICATION HAS CHANGED); check why before you accept the new key'],
    ['root@marte:/Apps', 'root@marte:/Apps: rsync exited with 255: ssh: connect to host marte port 22: Connection refused', 'host marte: unreachable (connection refused)'],
    ['marte:/Apps', 'marte:/Apps: rsync exited with 255: ssh: connect to host marte port 22: Connection timed out', 'host marte: unreachable (connection timed out)'],
    ['marte:/Apps', 'marte:/Apps: rsync exited with 255: ssh: Could not resolve hostname marte: Name or service not known', 'host marte: unreachable (host name not found)'],
    ['marte:/Apps', 'marte:/Apps: rsync exited with 255: root@marte: Permission denied (publickey).', 'host marte: ssh login refused (Permission denied: the key is not accepted)'],
    ['marte:/x', 'marte:/x: cannot read the source directory: [sender] change_dir "/x" failed: No such file or directory (2)', 'cannot read the source directory: [sender] change_dir "/x" failed: No such file or directory (2)'],
    ['/srv', '/srv: rsync exited with 12: Connection refused', 'rsync exited with 12: Connection refused'],
  ])('%s: %s', (source, message, want) => {
    expect(sourceFailureReason(source, message)).toBe(want);
  });
});
