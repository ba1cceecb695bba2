/** The one line a failed SSH connection becomes, for a target and for a jump host (named in front by the transport). */
import { describe, expect, test } from 'vitest';
import { describeConnectFailure } from '../../../provision/transport/connect-failure.ts';

const err = (code?: string, level?: string, message = 'boom'): Error & { code?: string; level?: string } =>
  Object.assign(new Error(message), code ? { code } : {}, level ? { level } : {});
const ctx = (asJump: boolean) => ({ host: '10.0.0.5', port: 22, user: 'root', readyTimeoutMs: 10_000, asJump });

describe('describeConnectFailure', () => {
  test.each([
    ['refused', err('ECONNREFUSED'), 'connection refused by 10.0.0.5:22', 'connection refused'],
    ['unresolvable', err('ENOTFOUND'), 'cannot resolve host name 10.0.0.5', 'cannot resolve its host name'],
    ['handshake timeout', err(undefined, 'client-timeout'), 'no SSH handshake with 10.0.0.5:22 within 10 s', 'no SSH handshake within 10 s'],
    ['no route', err('EHOSTUNREACH'), 'cannot connect to 10.0.0.5:22: no route to host', 'no route to host'],
    ['anything else', err('EPIPE', undefined, 'write EPIPE'), 'cannot connect to 10.0.0.5:22: write EPIPE', 'write EPIPE'],
  ])('%s', (_name, e, direct, asJump) => {
    expect(describeConnectFailure(e, ctx(false), undefined, [])).toBe(direct);
    expect(describeConnectFailure(e, ctx(true), undefined, [])).toBe(asJump);
  });

  test('authentication: what was tried, or that nothing could be', () => {
    const e = err(undefined, 'client-authentication');
    expect(describeConnectFailure(e, ctx(false), undefined, ['identity /k/id_ed25519'])).toBe('authentication failed for root@10.0.0.5:22 (tried identity /k/id_ed25519)');
    expect(describeConnectFailure(e, ctx(true), undefined, [])).toBe('authentication failed for root (tried no identity file and no ssh-agent (SSH_AUTH_SOCK))');
  });

  test('a host key problem wins over the transport error it caused', () => {
    expect(describeConnectFailure(err('ECONNRESET'), ctx(false), 'host key of 10.0.0.5:22 is not known', [])).toBe('host key of 10.0.0.5:22 is not known');
  });
});
