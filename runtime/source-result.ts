/**
 * A source's result in one line for the report, the log and `status`. A failed source's
 * reason:  ssh's own words are what an admin
 * searches for, so they are kept; the line names the host, since with many sources the
 * question is "which machine", and says what it means when ssh's words alone do not.
 */
import { machineOf } from './pull-schedule.ts';
import type { SourceResult } from './run-result.ts';

const SSH_CAUSES: ReadonlyArray<[RegExp, string]> = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED/, 'Host key verification failed: its host key CHANGED (REMOTE HOST IDENTIFICATION HAS CHANGED); check why before you accept the new key'],
  [/Host key verification failed/, 'Host key verification failed: its host key changed, or is not in known_hosts'],
  [/Connection refused/, 'unreachable (connection refused)'],
  [/Connection timed out|Operation timed out/, 'unreachable (connection timed out)'],
  [/No route to host/, 'unreachable (no route to host)'],
  [/Network is unreachable/, 'unreachable (network is unreachable)'],
  [/Could not resolve hostname/, 'unreachable (host name not found)'],
  [/Connection closed by|kex_exchange_identification/, 'unreachable (the connection was closed before login)'],
  [/Permission denied \(/, 'ssh login refused (Permission denied: the key is not accepted)'],
];

/** `message` is the copy's error (judgeRsyncExit's, or a thrown one); the reason without the source's name. */
export function sourceFailureReason(source: string, message: string): string {
  const text = message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message;
  const host = machineOf(source);
  if (host !== '') {
    for (const [re, what] of SSH_CAUSES) if (re.test(text)) return `host ${host}: ${what}`;
  }
  return text.split('\n')[0]!.trim();
}

/** `marte:/Apps: failed: host marte: unreachable (connection refused); its copy from STAMP is kept (stale)`. */
export function sourceResultLine(r: SourceResult): string {
  if (r.status === 'ok') return `${r.source}: ok`;
  const kept = r.status !== 'failed' ? '' : r.kept ? `; its copy from ${r.kept} is kept (stale)` : '; no earlier copy';
  return `${r.source}: ${r.status}${r.reason ? `: ${r.reason}` : ''}${kept}`;
}
