/**
 * The VM guest: a Debian bookworm disk image with the cloud kernel (iscsi_tcp, virtio, ext4)
 * and everything the provisioner expects on a backup host. Built once per recipe with
 * debootstrap, laid onto an ext4 image by `mkfs.ext4 -d` (no loop mount), and cached outside
 * the repository under a hash of the recipe. Built in a temporary directory and renamed when
 * complete, under a flock, so parallel test files build it once and a killed build leaves
 * no half image. Tests boot throwaway qcow2 overlays of it (see qemu.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../testbed/lock.ts';
import { mirrorFromSources } from '../testbed/mirror.ts';
import { run } from '../testbed/run.ts';

const SUITE = 'bookworm';
/** Bump when the recipe changes in a way the lists below do not show. */
const RECIPE_VERSION = 2;
export const VM_PACKAGES = [
  'systemd-sysv', 'udev', 'dbus', 'openssh-server', 'open-iscsi', 'rsync', 'gdisk', 'parted',
  'e2fsprogs', 'nodejs', 'cron', 'iproute2', 'kmod', 'initramfs-tools', 'procps',
  // Encrypted rotation disks (LUKS2): the container kernel has no dm-crypt, the guest's has.
  'cryptsetup',
  'linux-image-cloud-amd64',
];
/** Housekeeping that only slows a TCG boot down, and the first-boot wizard that waits for a console. */
const MASKED_UNITS = [
  'systemd-firstboot.service', 'e2scrub_reap.service', 'e2scrub_all.timer', 'apt-daily.timer',
  'apt-daily-upgrade.timer', 'fstrim.timer', 'dpkg-db-backup.timer', 'man-db.timer',
];
/** The virtio disk is a module in the cloud kernel: a small initrd carries just these. */
const INITRD_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'ext4'];
const FILES: Record<string, string> = {
  'etc/hostname': 'linkdest-vm\n',
  'etc/hosts': '127.0.0.1 localhost\n127.0.1.1 linkdest-vm\n',
  'etc/fstab': '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n',
  'etc/machine-id': '6c696e6b646573742d766d2d696d6167\n',
  'etc/systemd/network/50-dhcp.network': '[Match]\nType=ether\n\n[Network]\nDHCP=ipv4\n',
  // One NIC; waiting for "all" links would also wait for ones that never come up.
  'etc/systemd/system/systemd-networkd-wait-online.service.d/any.conf':
    '[Service]\nExecStart=\nExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=60\n',
  'etc/ssh/sshd_config.d/linkdest-vm.conf':
    'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n',
  'etc/initramfs-tools/conf.d/linkdest-vm': 'MODULES=list\nCOMPRESS=gzip\n',
  'etc/initramfs-tools/modules': `${INITRD_MODULES.join('\n')}\n`,
};
const ENABLED_UNITS: Record<string, string> = {
  'systemd-networkd.service': 'multi-user.target.wants',
  'systemd-networkd-wait-online.service': 'network-online.target.wants',
};

export interface VmImage {
  dir: string;
  kernel: string;
  initrd: string;
  /** qcow2 base disk; never written to, tests use overlays. */
  disk: string;
  /** Private key authorised for root in the guest. */
  identity: string;
}

export function vmCacheRoot(): string {
  return process.env.LINKDEST_VM_CACHE ?? '/var/cache/linkdest-vm';
}

export function vmImageKey(): string {
  const recipe = JSON.stringify({
    SUITE, RECIPE_VERSION, VM_PACKAGES, MASKED_UNITS, INITRD_MODULES, FILES, ENABLED_UNITS,
  });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}

function imageAt(dir: string): VmImage {
  return {
    dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), disk: join(dir, 'base.qcow2'),
    identity: join(dir, 'id_ed25519'),
  };
}

async function machineMirror(): Promise<string> {
  const dir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list', ...(existsSync(dir) ? (await readdir(dir)).map((f) => join(dir, f)) : [])];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const mirror = mirrorFromSources(await readFile(f, 'utf8'), SUITE);
    if (mirror) return mirror;
  }
  throw new Error(`vm: no ${SUITE} mirror in /etc/apt/sources.list(.d)`);
}

async function configure(root: string, publicKey: string): Promise<void> {
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const systemDir = join(root, 'etc/systemd/system');
  for (const unit of MASKED_UNITS) {
    await rm(join(systemDir, unit), { force: true });
    await symlink('/dev/null', join(systemDir, unit));
  }
  for (const [unit, wants] of Object.entries(ENABLED_UNITS)) {
    await mkdir(join(systemDir, wants), { recursive: true });
    await rm(join(systemDir, wants, unit), { force: true });
    await symlink(`/lib/systemd/system/${unit}`, join(systemDir, wants, unit));
  }
  await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'root/.ssh/authorized_keys'), publicKey, { mode: 0o600 });
  for (const version of await readdir(join(root, 'lib/modules'))) {
    await rm(join(root, 'boot', `initrd.img-${version}`), { force: true });
    await run('chroot', [root, 'update-initramfs', '-c', '-k', version]);
  }
  // Package caches and docs only make the image bigger.
  for (const junk of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man']) {
    await rm(join(root, junk), { recursive: true, force: true });
  }
  await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  await mkdir(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
}

async function unmountBelow(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n')
    .map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`)).sort().reverse();
  for (const m of mounts) await run('umount', ['-l', m], { allowFail: true });
}

async function build(tmp: string, log: (line: string) => void): Promise<void> {
  const root = join(tmp, 'rootfs');
  const mirror = await machineMirror();
  log(`vm: building guest image in ${tmp} from ${mirror} (debootstrap, about 3 minutes)`);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'linkdest-vm', '-f', join(tmp, 'id_ed25519')]);
  try {
    // Downloaded .debs are kept across recipe changes: a cold rebuild then needs no network.
    const debs = join(vmCacheRoot(), 'debs');
    await mkdir(debs, { recursive: true });
    // INITRD=No: the kernel hook skips its big MODULES=most initrd; configure() makes a small one.
    await run('debootstrap', ['--variant=minbase', `--cache-dir=${debs}`, `--include=${VM_PACKAGES.join(',')}`, SUITE, root, mirror],
      { env: { ...process.env, INITRD: 'No' } });
  } finally {
    await unmountBelow(tmp);
  }
  await configure(root, await readFile(join(tmp, 'id_ed25519.pub'), 'utf8'));
  const boot = await readdir(join(root, 'boot'));
  const kernel = boot.find((f) => f.startsWith('vmlinuz-'));
  const initrd = boot.find((f) => f.startsWith('initrd.img-'));
  if (!kernel || !initrd) throw new Error(`vm: no kernel/initrd in ${root}/boot: ${boot.join(' ')}`);
  await copyFile(join(root, 'boot', kernel), join(tmp, 'vmlinuz'));
  await copyFile(join(root, 'boot', initrd), join(tmp, 'initrd.img'));
  const raw = join(tmp, 'base.raw');
  await run('mkfs.ext4', ['-q', '-F', '-L', 'linkdest-vm', '-d', root, raw, '3G']);
  await run('qemu-img', ['convert', '-O', 'qcow2', raw, join(tmp, 'base.qcow2')]);
  await rm(raw);
  await rm(root, { recursive: true, force: true });
  await chmod(join(tmp, 'base.qcow2'), 0o444);
}

/** The cached guest image, building it first when absent. */
export async function ensureVmImage(log: (line: string) => void = () => {}): Promise<VmImage> {
  const cache = vmCacheRoot();
  const key = vmImageKey();
  const image = imageAt(join(cache, key));
  if (existsSync(image.disk)) return image;
  await mkdir(cache, { recursive: true });
  return withFileLock(join(cache, `${key}.lock`), async () => {
    if (existsSync(image.disk)) return image;
    for (const f of await readdir(cache)) {
      if (!f.startsWith(`${key}.tmp-`)) continue;
      await unmountBelow(join(cache, f));
      await rm(join(cache, f), { recursive: true, force: true });
    }
    const tmp = await mkdtemp(join(cache, `${key}.tmp-`));
    await build(tmp, log);
    await rename(tmp, image.dir);
    // Images of older recipes are 400 MB each and nothing boots them any more.
    for (const f of await readdir(cache)) {
      if (/^[0-9a-f]{16}$/.test(f) && f !== key) await rm(join(cache, f), { recursive: true, force: true });
    }
    log(`vm: guest image ready at ${image.dir}`);
    return image;
  });
}
