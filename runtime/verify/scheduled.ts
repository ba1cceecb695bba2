/**
 * `linkdest-runtime verify --scheduled`, what the verify timer (or cron line) starts: a deep
 * verify of the next sample of inodes over every snapshot, reported like a backup run:
 * Prometheus textfile, healthcheck (the verify's own URL), webhook (`kind: "verify"`), mail.
 * It never changes a snapshot.
 */
import { hostname } from 'node:os';
import type { RuntimeConfig } from '../config.ts';
import { EXIT, LinkdestError } from '../errors.ts';
import { setName } from '../layout.ts';
import type { Logger } from '../logger.ts';
import { ping } from '../report/healthcheck.ts';
import { deliverMail, type MailOptions } from '../report/mail.ts';
import { spoolDir, spoolMail } from '../report/spool.ts';
import { deliverPayload, shouldPost } from '../report/webhook.ts';
import { runDeepVerify } from './command.ts';
import type { DeepVerifyReport } from './deep.ts';
import { formatMismatch, formatSummary } from './format.ts';
import { writeVerifyMetrics } from './metrics.ts';
import { verifyWebhookPayload } from './webhook.ts';

export interface ScheduledVerifyResult {
  exitCode: number;
  report?: DeepVerifyReport;
  error?: string;
  text: string;
}

const errText = (e: unknown): string => (e instanceof LinkdestError ? e.oneLine() : e instanceof Error ? e.message : String(e));

export async function runScheduledVerify(cfg: RuntimeConfig, log: Logger, opts: { mail?: MailOptions; healthcheckTimeoutMs?: number } = {}): Promise<ScheduledVerifyResult> {
  const name = setName(cfg);
  const startedAt = new Date();
  let report: DeepVerifyReport | undefined;
  let error: string | undefined;
  let exitCode: number = EXIT.ok;
  try {
    report = await runDeepVerify(cfg, { all: true, sample: cfg.verify.sample }, log);
    if (report.mismatches.length > 0) exitCode = EXIT.error;
  } catch (e) {
    error = errText(e);
    exitCode = e instanceof LinkdestError ? e.exitCode : EXIT.error;
  }
  const lines = report ? [...report.mismatches.flatMap(formatMismatch), formatSummary(report)] : [`verify could not run: ${error}`];
  for (const l of lines) (exitCode === EXIT.ok ? log.info : log.error).call(log, l);
  const text = `${lines.join('\n')}\n`;

  const { metrics_file: metrics, mail, webhook } = cfg.report;
  const finishedAt = new Date();
  if (metrics) {
    await writeVerifyMetrics(metrics, { name, finishedAt, mismatches: report?.mismatches.length, inodesRead: report?.inodesRead, bytesRead: report?.bytesRead })
      .catch((e: unknown) => log.warn(`cannot write the verify metrics beside ${metrics}: ${errText(e)}`));
  }
  if (cfg.verify.healthcheck_url) await ping(cfg.verify.healthcheck_url, exitCode === EXIT.ok ? 'success' : 'fail', log, text, opts.healthcheckTimeoutMs);
  let undelivered = '';
  if (webhook && shouldPost(webhook.when, exitCode === EXIT.ok ? 'ok' : 'failed')) {
    const payload = verifyWebhookPayload({ host: hostname(), name, exitCode, startedAt, finishedAt, text, report, error });
    const warning = await deliverPayload(webhook, payload, log, cfg.state_dir).catch(() => {
      // Not the error's text: it could quote the URL.
      log.warn('webhook: internal error');
      return 'webhook: internal error';
    });
    if (warning) undelivered = `Not delivered: ${warning}\n`;
  }
  if (mail && (exitCode !== EXIT.ok || mail.style !== 'errors')) {
    const status = report ? (report.mismatches.length === 0 ? 'ok' : `${report.mismatches.length} MISMATCH(ES)`) : 'FAILED';
    const out = { from: mail.from, to: mail.to, subject: `linkdest verify ${hostname()} ${name}: ${status}`, text: `${text}${undelivered}`, date: finishedAt.toISOString() };
    try {
      await deliverMail(out, mail.smtp, opts.mail);
      log.info(`verify report mailed to ${mail.to.join(', ')}`);
    } catch (e) {
      const file = await spoolMail(spoolDir(cfg.state_dir), out).catch(() => undefined);
      log.warn(`verify report not delivered (${errText(e)})${file ? `; spooled as ${file}, sent by the next run` : ''}`);
    }
  }
  return { exitCode, report, error, text };
}
