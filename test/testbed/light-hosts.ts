/**
 * Light hosts for fleet tests and benchmarks: many sshd-only "hosts" that are cheap to start
 * (one process and one overlay each, tens of milliseconds, about 5 MB). Each host is an sshd
 * in its own mount and pid namespace (`unshare`), chrooted into its own overlay of the test
 * bed image (so each has its own /etc, /var and files: its own converged state), listening
 * on its own loopback address 127.P.x.y:22 (every 127/8 address answers on lo; no network
 * namespace is needed, and sshd binds only its address). No systemd runs in them: to
 * linkdest they are cron hosts without a disk: a tmpfs is mounted at /srv/backup for the
 * destination (the marker rule wants a mounted filesystem there).
 * Everything a host mounts lives in its namespace and vanishes with its sshd; stop() kills
 * the sshds and removes the per-host directories.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureImage } from './image.ts';
import { run } from './run.ts';

export interface LightHost {
  name: string;
  address: string;
}

export interface LightBed {
  hosts: LightHost[];
  identity: string;
  knownHosts: string;
  dir: string;
  /** Inventory `ssh:` settings of a host. */
  sshOf(h: LightHost): Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Inside the new namespaces: mount the overlay, /proc and a minimal /dev, then chroot into
 * it and exec sshd. Fixed text; the paths and address arrive as positional parameters.
 */
const START = [
  'set -e',
  'lower=$1 upper=$2 work=$3 root=$4 addr=$5',
  'mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"',
  'mount -t proc proc "$root/proc"',
  'mount -t tmpfs -o mode=755 dev "$root/dev"',
  'for d in null zero full random urandom tty; do touch "$root/dev/$d"; mount --bind "/dev/$d" "$root/dev/$d"; done',
  'mkdir -p "$root/dev/pts" "$root/run/sshd" "$root/tmp"',
  'mount -t tmpfs -o mode=1777 tmp "$root/tmp"',
  // The "backup disk": a small tmpfs mounted at /srv/backup, so the marker rule is satisfied for real.
  'mkdir -p "$root/srv/backup"',
  'mount -t tmpfs -o size=64m,mode=700 backup "$root/srv/backup"',
  'exec chroot "$root" /usr/sbin/sshd -D -e -o "ListenAddress=$addr" -o PidFile=none -o UsePAM=no -o MaxStartups=500',
].join('\n');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function listening(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: address, port: 22 });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startLightHosts(n: number, opts: { log?: (l: string) => void } = {}): Promise<LightBed> {
  const lower = await ensureImage(opts.log);
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-light-'));
  // A second octet of our own, so parallel beds on one machine do not collide.
  const p = 100 + (process.pid % 100);
  const identity = join(dir, 'id_ed25519');
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'linkdest-light', '-f', identity]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'linkdest-light-host', '-f', hostKey]);
  const authorized = await readFile(`${identity}.pub`, 'utf8');
  const hostKeyText = await readFile(hostKey, 'utf8');
  const hostPub = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(' ');
  const procs: ChildProcess[] = [];
  const hosts: LightHost[] = [];
  const stop = async (): Promise<void> => {
    for (const c of procs) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(procs.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++) {
      const name = `light${i + 1}`;
      const address = `127.${p}.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`;
      const hd = join(dir, name);
      const upper = join(hd, 'upper');
      for (const d of [join(upper, 'etc/ssh'), join(upper, 'root/.ssh'), join(hd, 'work'), join(hd, 'root')]) await mkdir(d, { recursive: true, mode: 0o700 });
      await writeFile(join(upper, 'etc/hostname'), `${name}\n`);
      await writeFile(join(upper, 'etc/ssh/ssh_host_ed25519_key'), hostKeyText, { mode: 0o600 });
      await writeFile(join(upper, 'etc/ssh/ssh_host_ed25519_key.pub'), `${hostPub.join(' ')}\n`);
      await writeFile(join(upper, 'root/.ssh/authorized_keys'), authorized, { mode: 0o600 });
      const child = spawn('unshare', ['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private',
        'sh', '-c', START, 'sh', lower, upper, join(hd, 'work'), join(hd, 'root'), address], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => { if (stderr.length < 4000) stderr += b.toString(); });
      procs.push(child);
      hosts.push({ name, address });
      const until = Date.now() + 20_000;
      while (!(await listening(address))) {
        if (child.exitCode !== null || Date.now() > until) throw new Error(`light host ${name} (${address}) did not start: ${stderr.trim()}`);
        await sleep(20);
      }
    }
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, hosts.map((h) => `${h.address} ${hostPub[0]} ${hostPub[1]}\n`).join(''));
    return {
      hosts, identity, knownHosts, dir, stop,
      sshOf: (h) => ({ host: h.address, port: 22, user: 'root', identity, known_hosts: knownHosts }),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
