/**
 * Step 1: connect to the host, trusting its key on first use (the rule, shared with
 * `linkdest trust`, is transport/host-key-trust.ts): an UNKNOWN key is shown by its SHA256 fingerprint
 * and trusted only when the user says so (or passed that fingerprint as a flag); a
 * CHANGED or revoked key is refused as everywhere else. The trusted key goes to a private
 * temporary known_hosts for this session; the inventory's known_hosts is written at the
 * end with everything else.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { HostSpec, SshSpec } from '../../inventory/host-spec.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { openTransport, resolveSshTarget } from '../transport/connect.ts';
import { decideTrust } from '../transport/host-key-trust.ts';
import { readSshConfigs } from '../transport/ssh-config.ts';
import { checkHostKey, fingerprintSha256, formatKnownHostsLine, keyTypeOfBlob, knownHostName, readKnownHosts } from '../transport/known-hosts.ts';
import { SshTransport } from '../transport/ssh.ts';
import type { Transport } from '../transport/transport.ts';
import type { Asker } from './ask.ts';
import { readIfExists, type TrustedKey } from './write-files.ts';

export interface Connected {
  transport: Transport;
  /** A key the user trusted now: to be appended to the inventory's known_hosts at the end. */
  trusted?: TrustedKey;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** --host-key-fingerprint: trust an unknown key only if it has this fingerprint. */
  expectedFingerprint?: string;
  homeDir?: string;
  /** ssh_config to read; null reads none (tests). */
  sshConfigFile?: string | null;
  debug?: boolean;
}

/** Just enough of a HostSpec to open a transport before the host is in any inventory. */
export function connectionSpec(name: string, ssh: SshSpec): HostSpec {
  return {
    name, groups: [], connection: 'ssh', ssh, become: ssh.user !== undefined && ssh.user !== 'root',
    install_packages: true, mountpoint: '/mnt/Backup', mount: 'automount', marker: '.linkdest-backup',
    schedule: 'daily', origin: 'linkdest init',
    runtime: undefined as unknown as HostSpec['runtime'], // openTransport never reads it
  };
}

async function tryConnect(spec: HostSpec, o: ConnectOptions): Promise<{ t: Transport; error?: unknown }> {
  const t = openTransport(spec, { debug: o.debug ?? false, ...(o.sshConfigFile !== undefined && { sshConfigFile: o.sshConfigFile }), ...(o.homeDir && { homeDir: o.homeDir }) });
  try {
    await t.connect();
    return { t };
  } catch (error) {
    await t.close();
    return { t, error };
  }
}

export async function connectHost(spec: HostSpec, ask: Asker, o: ConnectOptions = {}): Promise<Connected> {
  const first = await tryConnect(spec, o);
  if (first.error === undefined) return { transport: first.t, close: () => first.t.close() };
  const offered = first.t instanceof SshTransport ? first.t.offeredHostKey : undefined;
  if (offered === undefined) throw first.error;

  const home = o.homeDir ?? homedir();
  const target = resolveSshTarget({ ...spec, ssh: { ...spec.ssh!, known_hosts: undefined } as SshSpec }, readSshConfigs(o.sshConfigFile, home), {
    homeDir: home, localUser: userInfo().username, env: process.env,
  });
  const name = knownHostName(target.host, target.port);
  const inventoryKnown = spec.ssh!.known_hosts!;
  const verdict = checkHostKey(await readKnownHosts([inventoryKnown]), name, offered);
  if (verdict.kind !== 'unknown') throw first.error; // changed or revoked: never trust on first use

  const fingerprint = fingerprintSha256(offered);
  const userVerdict = checkHostKey(await readKnownHosts(target.knownHostsFiles), name, offered);
  const decision = decideTrust(userVerdict, offered, o.expectedFingerprint);
  if (decision.kind === 'refuse') {
    throw new LinkdestError(`host key of ${target.host}:${target.port} differs from the one in ${target.knownHostsFiles[0]} (offered ${fingerprint}); refusing to trust it`, { host: spec.name, step: 'connect' });
  }
  if (decision.kind === 'already-trusted') {
    ask.say(`Host key ${keyTypeOfBlob(offered)} ${fingerprint} is already trusted in ${target.knownHostsFiles[0]}; it will be copied to ${inventoryKnown}.`);
  } else if (decision.kind === 'fingerprint-differs') {
    throw new LinkdestError(`host key of ${target.host}:${target.port} is ${fingerprint}, not the --host-key-fingerprint given; refusing to connect`, { host: spec.name, step: 'connect' });
  } else if (decision.kind === 'fingerprint-matches') {
    ask.say(`Host key ${fingerprint} matches --host-key-fingerprint.`);
  } else {
    ask.say(`The host key of ${target.host}:${target.port} is not known yet.`);
    ask.say(`  ${keyTypeOfBlob(offered)} ${fingerprint}`);
    ask.say('Compare it with the host\'s own (on its console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).');
    const ok = await ask.confirm({ id: 'trust-host-key', message: 'Is this the right fingerprint, and trust this host?', default: false });
    if (!ok) {
      throw new LinkdestError(`host key ${fingerprint} not trusted; nothing was written (pass --host-key-fingerprint ${fingerprint} to trust it without asking)`, { host: spec.name, step: 'connect' });
    }
  }

  // This session checks the trusted key strictly from a private copy; nothing is written beside the inventory yet.
  const dir = await mkdtemp(join(tmpdir(), 'linkdest-init-'));
  const copy = join(dir, 'known_hosts');
  const before = (await readIfExists(inventoryKnown)) ?? '';
  await writeFile(copy, `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${formatKnownHostsLine(target.host, target.port, offered)}\n`, { mode: 0o600 });
  const second = await tryConnect({ ...spec, ssh: { ...spec.ssh!, known_hosts: copy } }, o);
  if (second.error !== undefined) {
    await rm(dir, { recursive: true, force: true });
    throw second.error;
  }
  return {
    transport: second.t,
    trusted: { host: target.host, port: target.port, key: offered },
    close: async () => {
      await second.t.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
