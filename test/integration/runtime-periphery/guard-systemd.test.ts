/**
 * destination.mount kind "systemd" needs systemd as PID 1, which this machine's test
 * process does not have: the guard runs inside a booted test-bed host (systemd-nspawn),
 * bundled with esbuild as the runtime is and executed by the host's Node 18, against a
 * real .mount unit on a loop disk.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';

const MARKER = '.Disco_Backup_USB.txt';

describe.skipIf(!isRoot || !hasCommand('systemd-nspawn'))(`guard with a systemd .mount unit, inside a test-bed host${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;

  async function unit(name: string, what: string, where: string): Promise<void> {
    await host.check(['mkdir', '-p', where]);
    await writeFile(join(host.root, 'etc/systemd/system', name), `[Unit]\nDescription=linkdest test disk\n\n[Mount]\nWhat=${what}\nWhere=${where}\nType=ext4\n`);
  }

  async function guard(where: string, unitName: string): Promise<Record<string, unknown>> {
    const cfgFile = `/root/linkdest-${unitName}.json`;
    await writeFile(join(host.root, cfgFile), JSON.stringify({
      destination: { path: where, marker: MARKER, mount: { kind: 'systemd', unit: unitName } },
      sources: [{ path: '/srv' }],
    }));
    const r = await host.exec(['node', '/root/guard.mjs', cfgFile]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  const active = async (u: string): Promise<string> => (await host.exec(['systemctl', 'is-active', u])).stdout.trim();

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    await build({
      entryPoints: [join(import.meta.dirname, 'support', 'guard-entry.ts')],
      outfile: join(host.root, 'root', 'guard.mjs'),
      bundle: true, platform: 'node', target: 'node18', format: 'esm', logLevel: 'warning',
    });
    const good = await host.attachDisk(64 * 1024 ** 2);
    const other = await host.attachDisk(64 * 1024 ** 2);
    for (const d of [good, other]) await host.check(['mkfs.ext4', '-q', '-F', d.device]);
    await unit('mnt-Backup.mount', good.device, '/mnt/Backup');
    await unit('mnt-Other.mount', other.device, '/mnt/Other');
    await unit('mnt-Broken.mount', '/dev/null', '/mnt/Broken');
    await host.check(['systemctl', 'daemon-reload']);
    await host.check(['systemctl', 'start', 'mnt-Backup.mount']);
    await host.check(['touch', `/mnt/Backup/${MARKER}`]);
    await host.check(['systemctl', 'stop', 'mnt-Backup.mount']);
  });
  afterAll(async () => { await bed?.stop(); });

  test('unit inactive: systemctl start, accepted, release() stops the unit again (Node 18 bundle)', async () => {
    const r = await guard('/mnt/Backup', 'mnt-Backup.mount');
    expect(r.node).toMatch(/^v18\./);
    expect(r).toMatchObject({ ok: true, mountedByUs: true, mountedDuring: true, mountedAfter: false, contentsDuring: [MARKER, 'lost+found'] });
    expect(await active('mnt-Backup.mount')).toBe('inactive');
  });

  test('unit already active: used as is and left active', async () => {
    await host.check(['systemctl', 'start', 'mnt-Backup.mount']);
    try {
      expect(await guard('/mnt/Backup', 'mnt-Backup.mount')).toMatchObject({ ok: true, mountedByUs: false, mountedAfter: true });
      expect(await active('mnt-Backup.mount')).toBe('active');
    } finally {
      await host.check(['systemctl', 'stop', 'mnt-Backup.mount']);
    }
  });

  test('the unit mounts a disk without the marker: refused, and the unit is stopped again', async () => {
    const r = await guard('/mnt/Other', 'mnt-Other.mount');
    expect(r).toMatchObject({ ok: false, step: 'guard', mountedAfter: false });
    expect(r.message).toBe(`marker file /mnt/Other/${MARKER} is missing: /mnt/Other is not the backup disk; check what is mounted at /mnt/Other (findmnt /mnt/Other)`);
    expect(await active('mnt-Other.mount')).toBe('inactive');
  });

  test('the unit fails to start: refused, pointing at systemctl status', async () => {
    const r = await guard('/mnt/Broken', 'mnt-Broken.mount');
    expect(r).toMatchObject({ ok: false, step: 'guard', mountedAfter: false });
    expect(r.message).toMatch(/^cannot mount \/mnt\/Broken: systemctl start mnt-Broken.mount: .* \(check systemctl status mnt-Broken.mount\)$/);
  });
});
