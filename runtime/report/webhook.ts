/**
 * The run posted as JSON to a chat or alerting webhook (Slack and Mattermost show `text`,
 * Discord `content`; the structured fields are there for anything that parses them).
 * The URL is a secret (its path or query holds the token): it is read from a file at each
 * run and nothing printed ever shows more of it than the scheme and host.
 * Like the healthcheck ping, a webhook that fails is a warning in the log only; a post that
 * may pass later waits in a spool, as an undelivered mail does.
 */
import { readFile, rm } from 'node:fs/promises';
import type { RuntimeConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { hideHookArguments } from '../ops/last-run.ts';
import type { RunDisks, RunOutline, RunResult, RunStatus, SnapshotStats, SourceResult, SpaceInfo } from '../run-result.ts';
import { formatParagraph } from './format.ts';
import { flushSpool, listSpool, spoolItem, webhookSpoolDir } from './spool.ts';

export type WebhookConfig = NonNullable<RuntimeConfig['report']['webhook']>;

/** What every payload carries: `kind` tells a receiver which report it is. */
export interface PostedPayload {
  kind: string;
  text: string;
  content: string;
  startedAt: string;
  finishedAt: string;
  status: string;
}

export interface WebhookPayload extends RunOutline {
  kind: 'backup';
  text: string;
  content: string;
  snapshot: string | null;
  stats: SnapshotStats | null;
  spaceAfter: SpaceInfo | null;
  /** Each source's result (empty when no snapshot was attempted). */
  sources: SourceResult[];
  /** Rotation hosts: the disk used and every enrolled disk's state (null otherwise). */
  disks: RunDisks | null;
}

/** Discord refuses `content` over 2000 characters; Slack cuts long text anyway. */
export const TEXT_MAX = 1900;

/** Pure: a payload's `text`, cut to what chat services show in one message. */
export function chatText(full: string): string {
  return full.length > TEXT_MAX ? `${full.slice(0, TEXT_MAX - 3)}...` : full;
}

export function shouldPost(when: WebhookConfig['when'], status: RunStatus): boolean {
  return when === 'always' || status !== 'ok';
}

/**
 * Pure: the JSON body. Hook arguments are cut from the messages as in last-run.json: a chat
 * channel is read by more people than the root-only log.
 */
export function webhookPayload(r: RunResult, hooks: readonly (readonly string[])[] = []): WebhookPayload {
  const errors = hideHookArguments(r.errors, hooks);
  const warnings = hideHookArguments(r.warnings, hooks);
  const text = chatText(formatParagraph({ ...r, errors, warnings }));
  return {
    kind: 'backup', text, content: text,
    host: r.host, name: r.name, status: r.status, exitCode: r.exitCode,
    startedAt: r.startedAt, finishedAt: r.finishedAt, durationMs: r.durationMs,
    snapshot: r.snapshot ?? null, errors, warnings,
    stats: r.stats ?? null, spaceAfter: r.spaceAfter ?? null, sources: r.sources ?? [],
    disks: r.disks ?? null,
  };
}

/** Pure: the part of a webhook URL that may be shown (scheme, host, port), never path or query. */
export function shownOrigin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

const CODE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * Pure: why a fetch failed, from its error's code only. fetch's own messages are not shown:
 * some of them quote the URL.
 */
export function failureReason(e: unknown, timedOut: boolean, timeoutS: number): string {
  if (timedOut) return `no answer within ${timeoutS} s`;
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === undefined) return 'request failed';
  return CODE_WORDS[code] ?? code;
}

/** The URL from its file, or the one-line reason it cannot be used (never its content). */
export async function readWebhookUrl(file: string): Promise<URL | string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`;
  }
  const value = text.trim();
  if (value === '') return `${file} is empty`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${file} does not hold a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${file} does not hold an http(s) URL`;
  // fetch refuses them, with a message that quotes the URL.
  if (url.username !== '' || url.password !== '') return `${file}: a URL with user:password@ cannot be used`;
  return url;
}

export class WebhookError extends Error {
  /** Worth trying again later (no answer, 5xx, 429, the URL file not usable yet). */
  constructor(message: string, readonly transient: boolean) {
    super(message);
  }
}

/** Pure: a 5xx, 408 or 429 may pass later; any other refusal will not. */
export function transientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** One POST; resolves with the origin it reached, or throws a WebhookError safe to show. */
export async function sendPayload(cfg: WebhookConfig, payload: PostedPayload): Promise<string> {
  const url = await readWebhookUrl(cfg.url_file);
  if (typeof url === 'string') throw new WebhookError(url, true);
  const signal = AbortSignal.timeout(cfg.timeout_s * 1000);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload), signal });
    // Read (and drop) the answer so the connection is released before the run exits.
    await res.arrayBuffer().catch(() => undefined);
  } catch (e) {
    throw new WebhookError(`${failureReason(e, signal.aborted, cfg.timeout_s)} (${shownOrigin(url)})`, true);
  }
  if (!res.ok) throw new WebhookError(`HTTP ${res.status} (${shownOrigin(url)})`, transientStatus(res.status));
  return shownOrigin(url);
}

/** Payloads kept for a later run; beyond this many, the oldest go (a webhook gone for good). */
export const WEBHOOK_SPOOL_MAX = 50;

interface Spooled { date: string; payload: PostedPayload }

// Payloads spooled before `kind` existed are backup runs.
const spooledName = (s: Spooled): string => `of the ${s.payload.kind === 'verify' ? 'verify' : 'run'} at ${s.payload.startedAt} (${s.payload.status})`;

/** Older payloads that waited, oldest first; a refused one (4xx) is dropped. */
export async function flushWebhookSpool(cfg: WebhookConfig, stateDir: string, log: Logger): Promise<void> {
  await flushSpool<Spooled>(webhookSpoolDir(stateDir), async (s) => { await sendPayload(cfg, s.payload); }, log, { name: spooledName, dropRefused: true })
    .catch(() => log.warn('webhook: cannot read its spool'));
}

async function keep(stateDir: string, payload: PostedPayload, log: Logger): Promise<boolean> {
  const dir = webhookSpoolDir(stateDir);
  try {
    await spoolItem(dir, payload.finishedAt || new Date().toISOString(), { date: payload.finishedAt, payload } satisfies Spooled);
    const all = await listSpool(dir);
    for (const old of all.slice(0, Math.max(0, all.length - WEBHOOK_SPOOL_MAX))) {
      await rm(old, { force: true });
      log.warn(`webhook: more than ${WEBHOOK_SPOOL_MAX} reports waiting; dropped the oldest`);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Posts the run when `when` says so. A post that may pass later (no answer, 5xx) is kept in
 * state_dir/spool-webhook and sent first thing by the next runs; after a post gets through,
 * older ones that waited go too. Returns the warning (already logged) when it was not
 * delivered, undefined when it was or nothing was due.
 */
export async function postWebhook(cfg: WebhookConfig, r: RunResult, log: Logger, hooks: readonly (readonly string[])[] = [], stateDir?: string): Promise<string | undefined> {
  if (!shouldPost(cfg.when, r.status)) return undefined;
  return deliverPayload(cfg, webhookPayload(r, hooks), log, stateDir);
}

/**
 * One payload of any kind (a backup run, a scheduled verify), with the spool: what may pass
 * later is kept, and a post that got through sends the ones that waited. Returns the
 * warning (already logged) when it was not delivered.
 */
export async function deliverPayload(cfg: WebhookConfig, payload: PostedPayload, log: Logger, stateDir?: string): Promise<string | undefined> {
  try {
    log.info(`webhook: posted to ${await sendPayload(cfg, payload)}`);
  } catch (e) {
    const err = e instanceof WebhookError ? e : new WebhookError('internal error', false);
    const kept = err.transient && stateDir !== undefined && await keep(stateDir, payload, log);
    const warning = `webhook: ${err.message}${kept ? '; kept for the next run' : ''}`;
    log.warn(warning);
    return warning;
  }
  if (stateDir !== undefined) await flushWebhookSpool(cfg, stateDir, log);
  return undefined;
}
