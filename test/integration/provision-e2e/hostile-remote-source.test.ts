/**
 * Hostile values in a remote source (`host:/path`): the path travels to the source host,
 * where a shell would split "a b" and run "$(...)". The backup host pulls from a real sshd
 * (its own, over its bed address, with the bed's key). Its rsync (3.2.7) escapes paths for
 * the remote shell by itself; RSYNC_OLD_ARGS=1 in the service's environment makes it send
 * them as rsync before 3.2.4 does (Debian 11, RHEL 8), which only -s keeps intact. "[1]"
 * must not be globbed into the decoy directory "1" beside it.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestHost, Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, type Workdir, e2eUnavailable, fileExists, findFiles, out, sshOf, suiteTitle } from './bed.ts';
import { convergedHost } from './converged-host.ts';

const reason = e2eUnavailable();
const tag = randomBytes(4).toString('hex');
const PWNED = `pwned-${tag}`;
const SPACED = `/srv/remote src; touch /tmp/${PWNED}`;
const QUOTED = `/srv/it's "q" $(touch /tmp/${PWNED}) \`touch /tmp/${PWNED}\` [1]`;
/** What an unescaped "[1]" would match on the source host instead. */
const DECOY = `/srv/it's "q" $(touch /tmp/${PWNED}) \`touch /tmp/${PWNED}\` 1`;
const MOUNT = '/mnt/Backup';
const KEY = '/root/.ssh/pull_key';

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: hostile values in a remote source (host:/path)', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;

  beforeAll(async () => {
    ({ bed, host, work } = await convergedHost({
      tag: 'remote-src',
      prepare: async (h) => {
        for (const dir of [SPACED, QUOTED]) {
          await h.check(['mkdir', '-p', dir]);
          await h.check(['cp', '/etc/hostname', `${dir}/payload.txt`]);
        }
        await h.check(['mkdir', '-p', DECOY]);
        await h.check(['cp', '/etc/hostname', `${DECOY}/decoy.txt`]);
        // The backup host pulls from a real sshd: its own, with the key the test bed trusts.
        await h.check(['sh', '-c', 'umask 077 && mkdir -p /root/.ssh && cat > "$1"', 'sh', KEY], { input: await readFile(h.ssh.identity, 'utf8') });
      },
      settings: (h, disk) => {
        const from = `root@${h.ssh.host}`;
        return {
          ssh: sshOf(h), disk: { usb: { device: disk.device } }, mount: 'static', mountpoint: MOUNT, retention: SMALL_DISK_RETENTION,
          sources: [`${from}:${SPACED}`, `${from}:${QUOTED}`],
          rsync: { rsh: ['ssh', '-i', KEY, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', 'UserKnownHostsFile=/root/.ssh/pull_known_hosts'] },
        };
      },
    }));
  }, 600_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('the nightly run pulls both paths as names with an rsync that does not escape them; nothing runs', async () => {
    await host.check(['systemctl', 'set-environment', 'RSYNC_OLD_ARGS=1']);
    const r = await host.exec(['systemctl', 'start', 'linkdest.service']);
    const journal = r.code === 0 ? '' : await out(host, ['journalctl', '-u', 'linkdest.service', '-n', '30', '--no-pager']);
    expect(r.code, journal).toBe(0);
    await host.check(['systemctl', 'start', 'mnt-Backup.mount']);
    expect(await findFiles(host, MOUNT, 'payload.txt')).toHaveLength(2);
    expect(await findFiles(host, MOUNT, 'decoy.txt')).toEqual([]);
    expect(await fileExists(host, `/tmp/${PWNED}`)).toBe(false);
    expect(await out(host, ['find', '/', '-xdev', '-path', '/srv', '-prune', '-o', '-name', `*${PWNED}*`, '-print'])).toBe('');
  });
});
