/**
 * A private libvirtd serving only libvirt's test driver, so virsh calls share state.
 * `virsh -c test:///default` starts afresh in every process; through a daemon the test
 * driver's "/default" state lives as long as one connection to it stays open, so a holder
 * `virsh` session keeps it. LIBVIRT_DRIVER_DIR points at an empty directory: no QEMU,
 * network or storage driver loads (they need users and devices this machine lacks), and
 * a tmpfs over /run in a private mount namespace keeps libvirtd's runtime files off the host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type ExecResult } from '../../../../runtime/exec.ts';
import { pollUntil } from '../../../../runtime/poll.ts';

export interface LibvirtTestDaemon {
  uri: string;
  virsh(...args: string[]): Promise<ExecResult>;
  /** Defines (and optionally starts) a test-driver domain. */
  defineDomain(name: string, opts: { start: boolean; onPoweroff?: 'destroy' | 'restart' }): Promise<void>;
  stop(): Promise<void>;
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

export async function startLibvirtTestDaemon(): Promise<LibvirtTestDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-libvirt-'));
  await mkdir(join(dir, 'drivers'));
  const conf = join(dir, 'libvirtd.conf');
  await writeFile(conf, `unix_sock_dir = "${dir}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nunix_sock_rw_perms = "0700"\n`);
  const daemon = spawn('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-c',
    'mount -t tmpfs linkdest-test /run && exec "$@"', 'sh', 'libvirtd', '-f', conf, '-p', join(dir, 'pid')], {
    env: { ...process.env, LIBVIRT_DRIVER_DIR: join(dir, 'drivers'), LC_ALL: 'C' },
    stdio: 'ignore',
  });
  const uri = `test+unix:///default?socket=${join(dir, 'libvirt-sock')}`;
  const virsh = (...args: string[]): Promise<ExecResult> => run(['virsh', '-c', uri, ...args]);
  let holder: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    holder?.kill();
    if (holder) await exited(holder);
    daemon.kill('SIGTERM');
    await exited(daemon);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const up = await pollUntil(() => access(join(dir, 'libvirt-sock')).then(() => true, () => undefined), 20_000, 50);
    if (!up) throw new Error('libvirtd did not create its socket');
    holder = spawn('virsh', ['-c', uri], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
    let banner = '';
    holder.stdout!.setEncoding('utf8').on('data', (d: string) => { banner += d; });
    // virsh connects before it prints its prompt.
    const connected = await pollUntil(() => (banner.includes('virsh #') ? true : undefined), 20_000, 50);
    if (!connected) throw new Error('holder virsh did not connect');
  } catch (e) {
    await stop();
    throw e;
  }
  const defineDomain = async (name: string, opts: { start: boolean; onPoweroff?: 'destroy' | 'restart' }): Promise<void> => {
    const xml = join(dir, `${name}.xml`);
    await writeFile(xml, `<domain type='test'><name>${name}</name><memory>8192</memory><os><type>hvm</type></os>`
      + `<on_poweroff>${opts.onPoweroff ?? 'destroy'}</on_poweroff></domain>\n`);
    for (const args of [['define', xml], ...(opts.start ? [['start', name]] : [])]) {
      const r = await virsh(...args);
      if (r.code !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr}`);
    }
  };
  return { uri, virsh, defineDomain, stop };
}
