/**
 * `linkdest trust HOST`: fetch the key an inventory host offers (the handshake stops at the
 * host-key check, no login is attempted), show its SHA256 fingerprint, and add it, hashed,
 * to that host's known_hosts only when the user confirms it: at a terminal, or by passing
 * the very fingerprint they read on the host's console. A known key is left alone; a
 * changed or revoked one is refused (removing the old line stays the user's decision).
 */
import { homedir, userInfo } from 'node:os';
import type { HostSpec } from '../inventory/host-spec.ts';
import { EXIT, LinkdestError } from '../runtime/errors.ts';
import { resolveSshTarget, type SshTarget } from './transport/connect.ts';
import { describeHostKeyProblem } from './transport/host-key-policy.ts';
import { decideTrust } from './transport/host-key-trust.ts';
import { readSshConfigs } from './transport/ssh-config.ts';
import {
  appendKnownHost, checkHostKey, entryMatchesHost, fingerprintSha256, keyTypeOfBlob, knownHostName, readKnownHosts,
} from './transport/known-hosts.ts';
import { SshTransport } from './transport/ssh.ts';

export interface TrustOptions {
  /** --fingerprint: trust only a key with exactly this fingerprint, without asking. */
  fingerprint?: string;
  /** --yes: never enough on its own; a fingerprint must say WHICH key is meant. */
  yes?: boolean;
  /** stdin is a terminal a person can answer on. */
  interactive: boolean;
  confirm(message: string): Promise<boolean>;
  out(line: string): void;
  debug?: boolean;
  homeDir?: string;
  /** ssh_config to read; null reads none (tests). */
  sshConfigFile?: string | null;
}

function trustError(spec: HostSpec, message: string, exitCode: number = EXIT.error): LinkdestError {
  return new LinkdestError(message, { host: spec.name, step: 'trust', exitCode });
}

/** Where to connect, from the inventory and ssh_config; no identity or agent is needed. */
function targetOf(spec: HostSpec, o: TrustOptions): SshTarget {
  const fail = (message: string, exitCode?: number) => trustError(spec, message, exitCode);
  if (spec.connection === 'local') throw fail('connection is local: there is no SSH host key to trust', EXIT.usage);
  const home = o.homeDir ?? homedir();
  let config;
  try {
    config = readSshConfigs(o.sshConfigFile, home);
  } catch (err) {
    throw fail(`cannot read ssh config: ${(err as Error).message}`);
  }
  // The environment gives the agent to the jump hosts; the target itself gets no credentials.
  return resolveSshTarget(spec, config, { homeDir: home, localUser: userInfo().username, env: process.env });
}

/** The key the host offers. Without credentials the handshake ends at the key check or the login. */
export async function fetchOfferedKey(spec: HostSpec, target: SshTarget, debug = false): Promise<Buffer> {
  const t = new SshTransport({
    name: spec.name, host: target.host, port: target.port, user: target.user, identityFiles: [],
    knownHostsFiles: target.knownHostsFiles, become: false,
    // Behind a jump, the key is fetched through it (the jump's own key must be trusted already).
    ...(target.jumps ? { jumps: target.jumps } : {}),
    ...(debug ? { debug: (line: string) => process.stderr.write(`${spec.name}: ssh: ${line}\n`) } : {}),
  });
  try {
    await t.connect();
  } catch (err) {
    if (t.offeredHostKey === undefined) throw err; // refused, unresolvable, timed out: said by the transport
  } finally {
    await t.close();
  }
  if (t.offeredHostKey === undefined) throw trustError(spec, `${target.host}:${target.port} offered no host key`);
  return t.offeredHostKey;
}

/** Where OpenSSH keeps the host's public key of this type: ssh-ed25519 -> ssh_host_ed25519_key.pub. */
export function hostKeyFile(keyType: string): string {
  const short = keyType.startsWith('ecdsa-') ? 'ecdsa' : keyType.replace(/^ssh-/, '');
  return `/etc/ssh/ssh_host_${short}_key.pub`;
}

/** Exit code: 0 trusted now or already; refusals throw (1, or 2 for a missing confirmation). */
export async function trustHost(spec: HostSpec, o: TrustOptions): Promise<number> {
  const fail = (message: string, exitCode?: number) => trustError(spec, message, exitCode);
  const target = targetOf(spec, o);
  const offered = await fetchOfferedKey(spec, target, o.debug);
  const name = knownHostName(target.host, target.port);
  const file = target.knownHostsFiles[0]!;
  const entries = await readKnownHosts(target.knownHostsFiles).catch((err: Error) => {
    throw fail(`cannot read known_hosts: ${err.message}`);
  });
  const verdict = checkHostKey(entries, name, offered);
  const decision = decideTrust(verdict, offered, o.fingerprint);
  o.out(`${spec.name} (${target.host}:${target.port}) offers ${keyTypeOfBlob(offered)} ${fingerprintSha256(offered)}`);

  switch (decision.kind) {
    case 'already-trusted': {
      const at = entries.find((e) => e.marker === undefined && e.key.equals(offered) && entryMatchesHost(e, name));
      o.out(`already trusted${at ? ` (${at.file}:${at.line})` : ''}; nothing changed`);
      return EXIT.ok;
    }
    case 'refuse':
      throw fail(describeHostKeyProblem(decision.verdict, { host: target.host, port: target.port, files: target.knownHostsFiles, inventoryName: spec.name }));
    case 'fingerprint-differs':
      throw fail(`the host offers ${decision.fingerprint}, not the --fingerprint given (${o.fingerprint?.trim()}); nothing was written`);
    case 'ask': {
      const check = `check it on the host's console (ssh-keygen -lf ${hostKeyFile(keyTypeOfBlob(offered))})`;
      if (o.yes || !o.interactive) {
        const why = o.yes ? '--yes alone does not say which key to trust' : 'stdin is not a terminal';
        throw fail(`${why}: ${check}, then run: linkdest trust ${spec.name} --fingerprint ${decision.fingerprint}`, EXIT.usage);
      }
      o.out(`The key is not known yet: ${check} before answering.`);
      if (!(await o.confirm(`Trust ${decision.fingerprint} for ${spec.name} and add it to ${file}?`))) {
        throw fail(`host key ${decision.fingerprint} not trusted; nothing was written`);
      }
      break;
    }
    case 'fingerprint-matches':
      o.out(`matches --fingerprint`);
      break;
  }
  try {
    await appendKnownHost(file, target.host, target.port, offered);
  } catch (err) {
    throw fail(`cannot write ${file}: ${(err as Error).message}`);
  }
  o.out(`trusted: added to ${file}`);
  return EXIT.ok;
}
