/**
 * `uninstall --purge-config` on a test bed host provisioned by `linkdest apply` with every
 * secret linkdest deploys (SMTP password, webhook URL with its token): afterwards no file of
 * linkdest's is left in /etc/linkdest, and the directory itself is gone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';

const reason = e2eUnavailable();
const TOKEN = 'T0KEN-purge-5c1e';

describe.skipIf(reason !== undefined)(suiteTitle('uninstall --purge-config removes every secret', reason), () => {
  let bed: Testbed;
  let host: TestHost;
  let work: Workdir;
  let inv = '';

  beforeAll(async () => {
    work = await Workdir.create('purge');
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    const disk = await host.attachDisk(128 * 1024 * 1024);
    await host.check(['mkdir', '-p', '/srv/data']);
    await writeFile(join(work.dir, 'smtp-password'), 'hunter2\n', { mode: 0o600 });
    await writeFile(join(work.dir, 'webhook-url'), `https://hooks.example.org/services/${TOKEN}\n`, { mode: 0o600 });
    inv = await work.inventory({
      hosts: {
        [host.name]: {
          ssh: sshOf(host), disk: { usb: { device: disk.device } }, mount: 'static', sources: ['/srv/data'], retention: SMALL_DISK_RETENTION,
          report: {
            mail: { to: 'admin@example.org', from: 'backup@example.org', smtp: { host: 'mail.example.org', user: 'backup', password_file: './smtp-password' } },
            webhook: { url_file: './webhook-url' },
          },
        },
      },
    });
    const r = await runCli(['apply', '--yes', '-i', inv], { timeoutMs: 300_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
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
