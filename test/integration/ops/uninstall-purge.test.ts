/**
 * `uninstall --purge-config` on a test bed host provisioned by `linkdest apply` with every
 * secret linkdest deploys (SMTP password, webhook URL with its token): afterwards no file of
 * linkdest's is left in /etc/linkdest, and the directory itself is gone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestHost, Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, type Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { convergedHost } from '../provision-e2e/converged-host.ts';

const reason = e2eUnavailable();
const TOKEN = 'T0KEN-purge-5c1e';

describe.skipIf(reason !== undefined)(suiteTitle('uninstall --purge-config removes every secret', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let inv = '';

  beforeAll(async () => {
    ({ bed, host, work, inv } = await convergedHost({
      tag: 'purge',
      prepare: async (h, w) => {
        await h.check(['mkdir', '-p', '/srv/data']);
        await writeFile(join(w.dir, 'smtp-password'), 'hunter2\n', { mode: 0o600 });
        await writeFile(join(w.dir, 'webhook-url'), `https://hooks.example.org/services/${TOKEN}\n`, { mode: 0o600 });
      },
      settings: (h, disk) => ({
        ssh: sshOf(h), disk: { usb: { device: disk.device } }, mount: 'static', sources: ['/srv/data'], retention: SMALL_DISK_RETENTION,
        report: {
          mail: { to: 'admin@example.org', from: 'backup@example.org', smtp: { host: 'mail.example.org', user: 'backup', password_file: './smtp-password' } },
          webhook: { url_file: './webhook-url' },
        },
      }),
    }));
  }, 600_000);

  afterAll(async () => {
    await bed?.stop();
    await work?.remove();
  });

  test('apply deployed both secrets; uninstall --purge-config leaves nothing in /etc/linkdest', async () => {
    expect((await out(host, ['ls', '/etc/linkdest'])).split('\n').sort()).toEqual(['linkdest.json', 'smtp-password', 'webhook-url']);
    const r = await runCli(['uninstall', host.name, '--purge-config', '--yes', '-i', inv], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('/etc/linkdest/webhook-url');
    expect((await host.exec(['test', '-e', '/etc/linkdest'])).code).not.toBe(0);
    expect(await out(host, ['grep', '-rl', TOKEN, '/etc'])).toBe('');
  });
});
