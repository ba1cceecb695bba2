/**
 * Ten hosts on two cores: all boot to "running", all answer ssh, the first reaches the last.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed } from '../../testbed/index.ts';

const execFileP = promisify(execFile);

describe.skipIf(!isRoot)(`test bed: ten hosts${rootNote()}`, () => {
  let bed: Testbed;
  beforeAll(async () => { bed = await startHosts(10); });
  afterAll(async () => bed?.stop());

  test('all ten run systemd and answer ssh', async () => {
    expect(bed.hosts).toHaveLength(10);
    const names = await Promise.all(bed.hosts.map(async (host) => {
      expect((await host.exec(['systemctl', 'is-system-running'])).stdout.trim()).toBe('running');
      const { stdout } = await execFileP('ssh', [
        '-F', '/dev/null', '-i', host.ssh.identity, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${host.ssh.known_hosts}`,
        `root@${host.address}`, 'hostname',
      ]);
      return stdout.trim();
    }));
    expect(names).toEqual(bed.hosts.map((h) => h.name));
    const last = bed.hosts[9]!;
    const res = await bed.hosts[0]!.exec(['bash', '-c', 'exec 3<>"/dev/tcp/$1/22" && head -c 7 <&3', 'probe', last.address]);
    expect(res.stdout).toBe('SSH-2.0');
  });
});
