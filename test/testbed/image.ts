/**
 * The host image: a Debian bookworm rootfs built once with debootstrap and cached outside
 * the repository under a key derived from the package list and recipe version. Built into
 * a temporary directory and renamed when complete, under a flock, so parallel test files
 * build it once and a killed build never leaves a half image behind.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from './lock.ts';
import { mirrorFromSources } from './mirror.ts';
import { run } from './run.ts';
import { removeTree, unmountBelow } from './tree.ts';

export const IMAGE_SUITE = 'bookworm';
/** Bump when the recipe below changes in a way the package list does not show. */
export const IMAGE_RECIPE_VERSION = 1;
export const IMAGE_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'rsync', 'nodejs', 'e2fsprogs',
  'gdisk', 'parted', 'util-linux', 'iproute2', 'cron', 'open-iscsi', 'acl', 'attr', 'sudo',
  'procps',
];
/**
 * Units that either wait for a console or hardware a container does not have, or do
 * periodic housekeeping that only adds noise: masked so the boot reaches `running`.
 */
export const MASKED_UNITS = [
  'systemd-firstboot.service', 'console-getty.service', 'container-getty@.service',
  'getty@.service', 'serial-getty@.service', 'e2scrub_reap.service', 'e2scrub_all.timer',
  'apt-daily.timer', 'apt-daily-upgrade.timer', 'fstrim.timer', 'dpkg-db-backup.timer',
  'systemd-networkd-wait-online.service', 'iscsid.socket', 'iscsid.service',
];
const SSHD_CONFIG = [
  '# linkdest test bed: root by key only, one ed25519 host key written per host.',
  'HostKey /etc/ssh/ssh_host_ed25519_key',
  'PermitRootLogin prohibit-password',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'UseDNS no',
  '',
].join('\n');
/** Same for every image; each host gets its own in its upper layer. */
const IMAGE_MACHINE_ID = '6c696e6b646573742d746573746265640a'.slice(0, 32);

export function imageCacheRoot(): string {
  return process.env.LINKDEST_TESTBED_CACHE ?? '/var/cache/linkdest-testbed';
}

export function imageKey(): string {
  const recipe = JSON.stringify({
    suite: IMAGE_SUITE, packages: IMAGE_PACKAGES, masked: MASKED_UNITS, sshd: SSHD_CONFIG,
    version: IMAGE_RECIPE_VERSION,
  });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}

async function machineMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const f of await readdir(dir)) {
      if (f.endsWith('.sources') || f.endsWith('.list')) files.push(join(dir, f));
    }
  }
  for (const f of files) {
    if (!existsSync(f)) continue;
    const mirror = mirrorFromSources(await readFile(f, 'utf8'), IMAGE_SUITE);
    if (mirror) return mirror;
  }
  throw new Error(`testbed: no ${IMAGE_SUITE} mirror in /etc/apt/sources.list(.d)`);
}

async function configureRootfs(root: string, key: string): Promise<void> {
  await writeFile(join(root, 'etc/machine-id'), `${IMAGE_MACHINE_ID}\n`);
  const systemDir = join(root, 'etc/systemd/system');
  for (const unit of MASKED_UNITS) {
    await rm(join(systemDir, unit), { force: true });
    await symlink('/dev/null', join(systemDir, unit));
  }
  await writeFile(join(root, 'etc/ssh/sshd_config.d/linkdest-testbed.conf'), SSHD_CONFIG);
  for (const f of await readdir(join(root, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) await rm(join(root, 'etc/ssh', f));
  }
  await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  await writeFile(join(root, 'etc/linkdest-testbed-image'), `${key}\n`);
}

/** Path of the cached rootfs, building it first when absent. */
export async function ensureImage(log: (line: string) => void = () => {}): Promise<string> {
  const key = imageKey();
  const cache = imageCacheRoot();
  const finalDir = join(cache, key);
  const rootfs = join(finalDir, 'rootfs');
  if (existsSync(join(rootfs, 'etc/linkdest-testbed-image'))) return rootfs;
  await mkdir(cache, { recursive: true });
  return withFileLock(join(cache, `${key}.lock`), async () => {
    if (existsSync(join(rootfs, 'etc/linkdest-testbed-image'))) return rootfs;
    for (const f of await readdir(cache)) {
      if (f.startsWith(`${key}.tmp-`)) await removeTree(join(cache, f));
    }
    const tmp = await mkdtemp(join(cache, `${key}.tmp-`));
    const mirror = await machineMirror();
    log(`testbed: building image ${key} from ${mirror} (debootstrap, a few minutes)`);
    await run('debootstrap', [
      '--variant=minbase', `--include=${IMAGE_PACKAGES.join(',')}`,
      IMAGE_SUITE, join(tmp, 'rootfs'), mirror,
    ]);
    await unmountBelow(tmp);
    await configureRootfs(join(tmp, 'rootfs'), key);
    await removeTree(finalDir);
    await rename(tmp, finalDir);
    log(`testbed: image ${key} ready at ${rootfs}`);
    return rootfs;
  });
}
