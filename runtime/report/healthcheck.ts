/**
 * healthchecks.io-style pings: URL/start when the run begins, URL on success, URL/fail on
 * failure. A ping that fails is a warning only: monitoring must never break the backup.
 */
import type { Logger } from '../logger.ts';

export type PingKind = 'start' | 'success' | 'fail';

export function pingUrl(base: string, kind: PingKind): string {
  const trimmed = base.replace(/\/+$/, '');
  return kind === 'success' ? trimmed : `${trimmed}/${kind}`;
}

/** POSTs `body` (shown by healthchecks.io as the ping's log); true when the server said 2xx. */
export async function ping(base: string, kind: PingKind, log: Logger, body = '', timeoutMs = 10_000): Promise<boolean> {
  const url = pingUrl(base, kind);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', body: body.slice(0, 10_000), signal: ctl.signal });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return true;
    log.warn(`healthcheck ${kind} ping: HTTP ${res.status}`);
    return false;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = ctl.signal.aborted ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.message);
    log.warn(`healthcheck ${kind} ping failed: ${why}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}
