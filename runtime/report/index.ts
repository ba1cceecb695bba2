/**
 * Reporting at both ends of a run. Nothing here throws: a report that cannot be made is a
 * warning in the log, and an undeliverable mail waits in the spool for the next chance.
 */
import type { RuntimeConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { sleep } from '../poll.ts';
import type { RunResult } from '../run-result.ts';
import { formatDuration, formatMail, formatSummary, shouldMail } from './format.ts';
import { ping } from './healthcheck.ts';
import { MailError, deliverMail, type MailOptions, type OutgoingMail } from './mail.ts';
import { writeMetricsFile } from './metrics.ts';
import { MAIL_SPOOL, flushSpool, spoolDir, spoolMail } from './spool.ts';
import { flushWebhookSpool, postWebhook } from './webhook.ts';

export interface ReportOptions {
  /** Total time reportFinish keeps retrying an undeliverable mail before spooling it (default 120 s). */
  mailRetryBudgetMs?: number;
  /** First pause between attempts; doubles each time (default 5 s). */
  mailRetryDelayMs?: number;
  mail?: MailOptions;
  healthcheckTimeoutMs?: number;
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Healthcheck /start, then one try at every spooled report (webhook, mail) from earlier runs. */
export async function reportStart(cfg: RuntimeConfig, log: Logger, opts: ReportOptions = {}): Promise<void> {
  const { healthcheck_url: url, mail, webhook } = cfg.report;
  if (url) await ping(url, 'start', log, '', opts.healthcheckTimeoutMs);
  if (webhook) await flushWebhookSpool(webhook, cfg.state_dir, log);
  if (mail) {
    try {
      await flushSpool(spoolDir(cfg.state_dir), (m) => deliverMail(m, mail.smtp, opts.mail), log, MAIL_SPOOL);
    } catch (e) {
      log.warn(`cannot read the report spool: ${errText(e)}`);
    }
  }
}

/**
 * Sends `mail`, retrying transient failures with doubling pauses until the budget is spent.
 * The mail server may be in a VM that is still booting after startVms.
 */
async function deliverWithRetry(mail: OutgoingMail, cfg: NonNullable<RuntimeConfig['report']['mail']>, log: Logger, opts: ReportOptions): Promise<MailError | undefined> {
  const deadline = Date.now() + (opts.mailRetryBudgetMs ?? 120_000);
  let delay = opts.mailRetryDelayMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await deliverMail(mail, cfg.smtp, opts.mail);
      log.info(`report mailed to ${mail.to.join(', ')}`);
      return undefined;
    } catch (e) {
      const err = e instanceof MailError ? e : new MailError(errText(e), true);
      const left = deadline - Date.now();
      if (!err.transient || left <= 0) return err;
      log.info(`mail attempt ${attempt} failed (${err.message}); trying again in ${formatDuration(Math.min(delay, left))}`);
      await sleep(Math.min(delay, left));
      delay *= 2;
    }
  }
}

/** `undelivered`: reports that failed before the mail (the webhook), named at its end. */
async function mailReport(result: RunResult, cfg: RuntimeConfig, log: Logger, opts: ReportOptions, undelivered: readonly string[]): Promise<void> {
  const mail = cfg.report.mail;
  if (!mail || !shouldMail(mail.style, result.status)) return;
  const content = formatMail(result, mail.style, log.text());
  const notes = undelivered.map((w) => `Not delivered: ${w}\n`).join('');
  const out: OutgoingMail = { from: mail.from, to: mail.to, subject: content.subject, text: `${content.text}${notes}`, date: result.finishedAt };
  const dir = spoolDir(cfg.state_dir);
  const err = await deliverWithRetry(out, mail, log, opts);
  if (err) {
    try {
      const file = await spoolMail(dir, out);
      log.warn(`report not delivered (${err.message}); spooled as ${file}, retried at the next run`);
    } catch (e) {
      log.error(`report not delivered (${err.message}) and cannot be spooled: ${errText(e)}`);
    }
    return;
  }
  // The server answers again: older reports that waited can go too.
  await flushSpool(dir, (m) => deliverMail(m, mail.smtp, opts.mail), log, MAIL_SPOOL).catch((e: unknown) => {
    log.warn(`cannot read the report spool: ${errText(e)}`);
  });
}

/**
 * Metrics file, healthcheck success/fail, webhook, then the mail (which may wait for the
 * server, and names a webhook that failed). None of them changes the run's status.
 */
export async function reportFinish(result: RunResult, cfg: RuntimeConfig, log: Logger, opts: ReportOptions = {}): Promise<void> {
  const { metrics_file: metrics, healthcheck_url: url, webhook } = cfg.report;
  if (metrics) {
    await writeMetricsFile(metrics, result).catch((e: unknown) => log.warn(`cannot write metrics file ${metrics}: ${errText(e)}`));
  }
  if (url) {
    const failed = result.status === 'failed' || result.status === 'skipped';
    await ping(url, failed ? 'fail' : 'success', log, formatSummary(result), opts.healthcheckTimeoutMs);
  }
  const undelivered: string[] = [];
  if (webhook) {
    const warning = await postWebhook(webhook, result, log, [...cfg.hooks.pre, ...cfg.hooks.post], cfg.state_dir)
      .catch(() => {
        // Not the error's text: it could quote the URL.
        log.warn('webhook: internal error');
        return 'webhook: internal error';
      });
    if (warning) undelivered.push(warning);
  }
  await mailReport(result, cfg, log, opts, undelivered).catch((e: unknown) => log.error(`mail report failed: ${errText(e)}`));
}
