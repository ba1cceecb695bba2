/**
 * A loopback sshd (test/integration/transport/loopback-sshd.ts) as the remote host of the
 * engine fuzzer (engine-fuzz.ts `RemoteHost`): an unrestricted root key, or the pull key
 * behind the forced command apply installs (provision/pull/check-script.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_SCRIPT } from '../../../../provision/pull/check-script.ts';
import type { LoopbackSshd } from '../../transport/loopback-sshd.ts';
import type { RemoteHost } from './engine-fuzz.ts';

/** The rsh a run gets for this sshd: its key, its known_hosts, strict host key checking. */
export function loopbackRsh(sshd: LoopbackSshd): string[] {
  return ['ssh', '-p', String(sshd.port), '-i', sshd.clientKey, '-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
}

export function remoteHost(sshd: LoopbackSshd, restricted: boolean): RemoteHost {
  if (!restricted) return { address: sshd.address, rsh: loopbackRsh(sshd) };
  const checkScript = join(sshd.dir, 'pull-check');
  writeFileSync(checkScript, CHECK_SCRIPT, { mode: 0o755 });
  return { address: sshd.address, rsh: loopbackRsh(sshd), pullKey: { authorizedKeys: join(sshd.dir, 'authorized_keys'), clientPub: `${sshd.clientKey}.pub`, checkScript } };
}
