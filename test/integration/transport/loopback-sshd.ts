/**
 * A real OpenSSH server on a loopback address of its own (127.0.0.x, random x and port),
 * configured entirely from a temp dir: its host key, the client key it accepts, a log at
 * LogLevel VERBOSE (one "Accepted publickey" line per connection) and a known_hosts file
 * naming its key, written from the .pub file, not by the code under test.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopbackSshd {
  address: string;
  port: number;
  dir: string;
  /** Private key the server accepts (for root). */
  clientKey: string;
  /** known_hosts with the server's real key under `[address]:port`. */
  knownHosts: string;
  /** The server's public key blob and its fingerprint as `ssh-keygen -lf` prints it. */
  hostKeyBlob: Buffer;
  hostKeyFingerprint: string;
  /** How many connections sshd accepted so far. */
  acceptedConnections(): Promise<number>;
  stop(): Promise<void>;
}

const randomInt = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'linkdest-test', '-f', path]);
}

/** `256 SHA256:abc linkdest-test (ED25519)` -> `SHA256:abc`, from OpenSSH itself. */
export function sshKeygenFingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1] ?? '';
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function waitListening(child: ChildProcess, address: string, port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    if (await canConnect(address, port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-sshd-'));
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client_ed25519'));
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_ed25519.pub')));
  const hostPub = (await readFile(join(dir, 'host_ed25519.pub'), 'utf8')).trim();
  const [, b64 = ''] = hostPub.split(' ');
  const log = join(dir, 'sshd.log');
  for (let attempt = 0; attempt < 10; attempt++) {
    const address = `127.0.0.${randomInt(100, 250)}`;
    const port = randomInt(20000, 60000);
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        `ListenAddress ${address}:${port}`,
        `HostKey ${join(dir, 'host_ed25519')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'LogLevel VERBOSE',
        'MaxStartups 50',
        '',
      ].join('\n'),
    );
    await rm(log, { force: true });
    // -D: stay in the foreground so the test owns exactly this process; -E: log to a file.
    const child = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', log], { stdio: 'ignore' });
    if (!(await waitListening(child, address, port))) {
      child.kill('SIGTERM');
      continue; // port taken or address busy: try another pair
    }
    await writeFile(join(dir, 'known_hosts'), `[${address}]:${port} ${hostPub}\n`);
    return {
      address,
      port,
      dir,
      clientKey: join(dir, 'client_ed25519'),
      knownHosts: join(dir, 'known_hosts'),
      hostKeyBlob: Buffer.from(b64, 'base64'),
      hostKeyFingerprint: sshKeygenFingerprint(join(dir, 'host_ed25519.pub')),
      acceptedConnections: async () => ((await readFile(log, 'utf8').catch(() => '')).match(/Accepted publickey/g) ?? []).length,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`could not start a loopback sshd (see ${log})`);
}
