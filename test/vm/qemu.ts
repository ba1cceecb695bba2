/**
 * One QEMU guest booted from the cached image (image.ts) on a throwaway qcow2 overlay.
 * Software emulation only: KVM cannot run a stock guest kernel on these machines. The
 * guest's sshd is forwarded to 127.0.0.1:PORT; the serial console goes to a log file that
 * failure messages point at. The guest gets no route out (`restrict=on`): only the
 * forwards named here reach it or leave it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteArgv } from '../../provision/transport/quote.ts';
import { run, type RunResult } from '../testbed/run.ts';
import type { VmImage } from './image.ts';
import { spawnLeashed, type Leashed } from './leash.ts';
import { removeStaleVmLeftovers, TMP_PREFIX } from './stale.ts';
import { openQmp, type Qmp } from './qmp.ts';

export interface GuestOptions {
  image: VmImage;
  /** Extra `guestfwd=...` entries for the user network (see nas.ts). */
  guestfwd?: string[];
  memoryMiB?: number;
  /** How long one boot may take to reach ssh (default 300 s: TCG on a loaded machine). */
  bootTimeoutMs?: number;
  /**
   * Raw disk images attached at boot as virtio disks that can be unplugged (unplugDisk) and
   * plugged in again (plugDisk) while the guest runs. `id` is also the disk's serial, so the
   * guest sees it as /dev/disk/by-id/virtio-<id>.
   */
  disks?: { id: string; file: string }[];
}

export interface ExecOptions {
  allowFail?: boolean;
  input?: string;
  timeoutMs?: number;
}

export interface Guest {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'root';
  readonly identity: string;
  /** known_hosts file holding the guest's host key for [127.0.0.1]:port. */
  readonly knownHosts: string;
  readonly serialLog: string;
  /** Seconds from QEMU start (or reboot) to a working ssh login, per boot. */
  readonly bootSeconds: number[];
  /** Runs argv in the guest as root; throws (with stderr) on a non-zero exit unless allowFail. */
  exec(argv: string[], opts?: ExecOptions): Promise<RunResult>;
  /** Reboots the guest and waits until ssh answers from the new boot and its start-up jobs are done. */
  reboot(): Promise<void>;
  /** Hot-adds a raw image as a virtio disk (what plugging in a USB disk is to udev and systemd). */
  plugDisk(id: string, file: string): Promise<void>;
  /** Hot-removes a disk (ACPI eject in the guest); returns once QEMU has let go of it. */
  unplugDisk(id: string): Promise<void>;
  /** Kills QEMU and removes the overlay. Always safe to call, also twice. */
  stop(): Promise<void>;
}

const KERNEL_ARGS = 'root=/dev/vda rw console=ttyS0 net.ifnames=0 mitigations=off systemd.show_status=1';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('vm: no free port');
  return address.port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function bootGuest(opts: GuestOptions): Promise<Guest> {
  await removeStaleVmLeftovers();
  const dir = await mkdtemp(join(tmpdir(), TMP_PREFIX));
  const overlay = join(dir, 'disk.qcow2');
  const serialLog = join(dir, 'serial.log');
  const knownHosts = join(dir, 'known_hosts');
  const qemuLog = join(dir, 'qemu.log');
  const qmpSocket = join(dir, 'qmp.sock');
  let qmp: Qmp | undefined;
  await writeFile(knownHosts, '');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', opts.image.disk, overlay]);
  const bootSeconds: number[] = [];
  let qemu: Leashed | undefined;
  let port = 0;

  const sshArgs = (argv: string[]) => [
    '-F', '/dev/null', '-i', opts.image.identity, '-p', String(port), '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=10', '-o', 'ServerAliveCountMax=6',
    '-o', 'LogLevel=ERROR', 'root@127.0.0.1', '--', quoteArgv(argv),
  ];
  const exec = async (argv: string[], o: ExecOptions = {}): Promise<RunResult> => {
    const result = await run('ssh', sshArgs(argv), { allowFail: true, input: o.input, timeoutMs: o.timeoutMs ?? 600_000 });
    if (result.code !== 0 && !o.allowFail) {
      const detail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-6).join('\n  ');
      throw new Error(`vm: \`${argv.join(' ')}\` exited ${result.code} in the guest:\n  ${detail}`);
    }
    return result;
  };
  const waitForSsh = async (started: number, notBootId?: string): Promise<void> => {
    const deadline = started + (opts.bootTimeoutMs ?? 300_000);
    while (Date.now() < deadline) {
      if (!qemu?.running()) throw new Error(`vm: QEMU exited during boot; see ${qemuLog} and ${serialLog}`);
      const r = await run('ssh', sshArgs(['cat', '/proc/sys/kernel/random/boot_id']), { allowFail: true, timeoutMs: 30_000 });
      if (r.code === 0 && r.stdout.trim() !== notBootId) {
        bootSeconds.push(Math.round((Date.now() - started) / 100) / 10);
        // sshd is up before the boot's iSCSI login (open-iscsi.service) under load: wait for
        // the start-up jobs. A hung boot ends the wait at the deadline; the test then says what is missing.
        await run('ssh', sshArgs(['systemctl', 'is-system-running', '--wait']), { allowFail: true, timeoutMs: Math.max(deadline - Date.now(), 10_000) });
        return;
      }
      await sleep(2000);
    }
    throw new Error(`vm: no ssh login within ${(opts.bootTimeoutMs ?? 300_000) / 1000} s; see ${serialLog}`);
  };
  const stop = async () => {
    qmp?.close();
    await qemu?.stop();
    // LINKDEST_VM_KEEP_LOGS=1 keeps the serial console and QEMU logs for a post-mortem.
    if (process.env.LINKDEST_VM_KEEP_LOGS === '1') await rm(overlay, { force: true });
    else await rm(dir, { recursive: true, force: true });
  };

  try {
    // The free port could be taken between our probe and QEMU's bind: then QEMU exits at once.
    for (let attempt = 0; attempt < 3 && !qemu?.running(); attempt++) {
      port = await freePort();
      const netdev = ['user', 'id=net0', 'restrict=on', `hostfwd=tcp:127.0.0.1:${port}-:22`, ...(opts.guestfwd ?? [])];
      qemu = spawnLeashed([
        'qemu-system-x86_64', '-accel', 'tcg,thread=multi', '-smp', '2', '-m', String(opts.memoryMiB ?? 1024),
        '-nodefaults', '-no-user-config', '-display', 'none', '-serial', `file:${serialLog}`,
        '-kernel', opts.image.kernel, '-initrd', opts.image.initrd, '-append', KERNEL_ARGS,
        '-drive', `file=${overlay},if=virtio,format=qcow2,cache=unsafe,discard=unmap`,
        '-netdev', netdev.join(','), '-device', 'virtio-net-pci,netdev=net0',
        '-object', 'rng-random,id=rng0,filename=/dev/urandom', '-device', 'virtio-rng-pci,rng=rng0',
        '-qmp', `unix:${qmpSocket},server=on,wait=off`,
        // PCI slots from 0x10 up: the guest numbers virtio disks in slot order, and the
        // system disk (an automatic, lower slot) must stay /dev/vda.
        ...(opts.disks ?? []).flatMap((d, i) => [
          '-blockdev', `driver=raw,node-name=${d.id},file.driver=file,file.filename=${d.file}`,
          '-device', `virtio-blk-pci,drive=${d.id},id=${d.id}-dev,serial=${d.id},addr=0x${(0x10 + i).toString(16)}`,
        ]),
      ], { logFile: qemuLog });
      await Promise.race([qemu.exited, sleep(1500)]);
    }
    if (!qemu?.running()) throw new Error(`vm: QEMU did not start; see ${qemuLog}`);
    if (opts.disks !== undefined) qmp = await openQmp(qmpSocket);
    await waitForSsh(Date.now() - 1500);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    host: '127.0.0.1',
    get port() { return port; },
    user: 'root',
    identity: opts.image.identity,
    knownHosts,
    serialLog,
    bootSeconds,
    exec,
    async reboot() {
      const bootId = (await exec(['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim();
      // The connection may drop before ssh sees an exit status: not an error here.
      await exec(['systemctl', 'reboot'], { allowFail: true, timeoutMs: 30_000 });
      await waitForSsh(Date.now(), bootId);
    },
    async plugDisk(id, file) {
      qmp ??= await openQmp(qmpSocket);
      await qmp.execute('blockdev-add', { 'driver': 'raw', 'node-name': id, 'file': { driver: 'file', filename: file } });
      await qmp.execute('device_add', { driver: 'virtio-blk-pci', drive: id, id: `${id}-dev`, serial: id });
    },
    async unplugDisk(id) {
      qmp ??= await openQmp(qmpSocket);
      await qmp.execute('device_del', { id: `${id}-dev` });
      // The guest has to eject the device (ACPI); only then may the image go away.
      await qmp.waitEvent('DEVICE_DELETED', (e) => e.data?.device === `${id}-dev`, 120_000);
      await qmp.execute('blockdev-del', { 'node-name': id });
    },
    stop,
  };
}
