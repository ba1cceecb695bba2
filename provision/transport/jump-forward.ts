/**
 * The two things a jump host adds to a connection: the forwarded channel the next hop's
 * handshake runs over (with what sshd's refusal means for the user), and a host-key
 * refusal that spells out the known_hosts line to add, because ssh-keyscan cannot reach a
 * host behind a jump, and `linkdest trust` goes through the jump only once the jump's own
 * key is known.
 */
import type { Client as SshClient, ClientChannel } from 'ssh2';
import type { LinkdestError } from '../../runtime/errors.ts';
import type { HostKeyContext } from './host-key-policy.ts';
import { formatKnownHostsLine, type HostKeyVerdict } from './known-hosts.ts';

/** RFC 4254 5.1 reason codes. */
const ADMINISTRATIVELY_PROHIBITED = 1;

export interface ForwardRequest {
  /** The jump host's name, as the user wrote it. */
  jump: string;
  to: { host: string; port: number };
  timeoutMs: number;
}

/** Why sshd did not open the channel, as one sentence naming the jump and the destination. */
export function describeForwardFailure(err: Error & { reason?: unknown }, jump: string, to: string): string {
  const description = err.message.replace(/^\(SSH\) Channel open failure: /, '').trim();
  // sshd says "open failed" (or "administratively prohibited") when forwarding is not allowed,
  // and the errno text of its own connect() when the destination does not answer.
  if (err.reason === ADMINISTRATIVELY_PROHIBITED || description === 'open failed' || description === '') {
    return `the jump host ${jump} refused to forward to ${to} (AllowTcpForwarding no? PermitOpen?)`;
  }
  if (err.reason === undefined || err.reason === '') return `lost the connection to the jump host ${jump} while opening a channel to ${to}`;
  return `the jump host ${jump} cannot reach ${to}: ${description}`;
}

export function forwardThrough(
  client: SshClient,
  req: ForwardRequest,
  fail: (message: string, cause?: unknown) => LinkdestError,
): Promise<ClientChannel> {
  const to = `${req.to.host.includes(':') ? `[${req.to.host}]` : req.to.host}:${req.to.port}`;
  return new Promise<ClientChannel>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(fail(`the jump host ${req.jump} did not reach ${to} within ${req.timeoutMs / 1000} s`));
    }, req.timeoutMs);
    // The source address is only informative for sshd's log; port 0 says "none in particular".
    client.forwardOut('127.0.0.1', 0, req.to.host, req.to.port, (err: Error | undefined, channel: ClientChannel) => {
      clearTimeout(timer);
      if (settled) {
        channel?.close(); // answered after we gave up: nobody will use it
        return;
      }
      settled = true;
      if (err) reject(fail(describeForwardFailure(err, req.jump, to), err));
      else resolve(channel);
    });
  });
}

/** The refusal for an unknown or changed key of a host reached through (or being) a jump host. */
export function describeKeyWithLine(
  verdict: Extract<HostKeyVerdict, { kind: 'unknown' | 'changed' }>,
  ctx: HostKeyContext,
  offered: Buffer,
): string {
  const target = `${ctx.host}:${ctx.port}`;
  const file = ctx.files[0] ?? '~/.ssh/known_hosts';
  const add = `add this line to ${file}: ${formatKnownHostsLine(ctx.host, ctx.port, offered, { hash: false })}`;
  if (verdict.kind === 'unknown') {
    return (
      `host key of ${target} is not known (offered ${verdict.offered}; checked ${ctx.files.join(', ') || 'no file'})` +
      (verdict.note ? `; ${verdict.note}` : '') +
      `; compare that fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on its console), then ${add}`
    );
  }
  const oldFile = /^(.*?):\d+(?:, |$)/.exec(verdict.where)?.[1] ?? file;
  const name = ctx.port === 22 ? ctx.host : `'[${ctx.host}]:${ctx.port}'`;
  return (
    `HOST KEY CHANGED for ${target}: POSSIBLE MAN-IN-THE-MIDDLE ATTACK; offered ${verdict.offered}, expected ${verdict.expected.join(' or ')} (${verdict.where}); ` +
    `nothing is replaced automatically: if the host was reinstalled, verify the new fingerprint out of band, remove the old line ` +
    `(ssh-keygen -R ${name} -f ${oldFile}), then ${add}`
  );
}
