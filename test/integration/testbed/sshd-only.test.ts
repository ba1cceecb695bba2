/**
 * Hosts without systemd (cron-style): sshd is the only service, reachable like any other host.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed } from '../../testbed/index.ts';

const execFileP = promisify(execFile);

describe.skipIf(!isRoot)(`test bed: sshd-only host${rootNote()}`, () => {
  let bed: Testbed;
  beforeAll(async () => { bed = await startHosts(1, { init: 'sshd-only' }); });
  afterAll(async () => bed?.stop());

  test('has no systemd but answers ssh with strict host key checking', async () => {
    const host = bed.hosts[0]!;
    expect((await host.exec(['systemctl', 'is-system-running'])).code).not.toBe(0);
    expect((await host.exec(['cat', '/proc/1/comm'])).stdout.trim()).not.toBe('systemd');
    const { stdout } = await execFileP('ssh', [
      '-F', '/dev/null', '-i', host.ssh.identity, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${host.ssh.known_hosts}`,
      `root@${host.address}`, 'command -v crontab && hostname',
    ]);
    expect(stdout.trim().split('\n')).toEqual(['/usr/bin/crontab', host.name]);
  });
});
