/**
 * What a failed SSH connection means to the user, in one line. Pure. A jump host is
 * named with its address in front of the message (SshTransport.hopFail), so its reasons
 * leave the address out.
 */
export interface ConnectFailureContext {
  host: string;
  port: number;
  user: string;
  readyTimeoutMs: number;
  asJump: boolean;
}

export function describeConnectFailure(
  err: Error & { level?: string; code?: string },
  c: ConnectFailureContext,
  hostKeyProblem: string | undefined,
  tried: readonly string[],
): string {
  const where = `${c.host}:${c.port}`;
  const say = (direct: string, asJump: string): string => (c.asJump ? asJump : direct);
  if (hostKeyProblem !== undefined) return hostKeyProblem;
  if (err.code === 'ECONNREFUSED') return say(`connection refused by ${where}`, 'connection refused');
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.level === 'client-dns') {
    return say(`cannot resolve host name ${c.host}`, 'cannot resolve its host name');
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
    const seconds = c.readyTimeoutMs / 1000;
    return say(`no SSH handshake with ${where} within ${seconds} s`, `no SSH handshake within ${seconds} s`);
  }
  if (err.level === 'client-authentication') {
    const how = tried.length > 0 ? tried.join(', ') : 'no identity file and no ssh-agent (SSH_AUTH_SOCK)';
    return say(`authentication failed for ${c.user}@${where} (tried ${how})`, `authentication failed for ${c.user} (tried ${how})`);
  }
  const reason = err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'no route to host' : err.message;
  return say(`cannot connect to ${where}: ${reason}`, reason);
}
