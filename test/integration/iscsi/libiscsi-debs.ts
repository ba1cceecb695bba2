/**
 * libiscsi-bin for a test-bed host whose image does not carry it: the Debian packages,
 * fetched with apt-get download on this machine (same release as the image), installed in
 * the host with dpkg -i, as an admin would with apt.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestHost } from '../../testbed/index.ts';

const PACKAGES = ['libiscsi-bin', 'libiscsi7', 'libibverbs1', 'librdmacm1', 'libnl-3-200', 'libnl-route-3-200', 'libcunit1'];

export async function installLibiscsiBin(host: TestHost): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-libiscsi-debs-'));
  const inHost = `/root/linkdest-debs-${process.pid}`;
  try {
    execFileSync('apt-get', ['download', '-q', ...PACKAGES], { cwd: dir, stdio: 'pipe' });
    await host.check(['mkdir', '-p', inHost]);
    const debs = (await readdir(dir)).filter((f) => f.endsWith('.deb'));
    for (const f of debs) await copyFile(join(dir, f), join(host.root, inHost, f));
    await host.check(['sh', '-c', 'dpkg -i "$1"/*.deb >/dev/null && rm -rf -- "$1"', 'install', inHost]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
