/**
 * The scheduled verify's webhook payload (`kind: "verify"`), posted through the run's webhook
 * (same URL file, `when`, spool): a receiver tells it from a backup run by `kind`, and finds
 * what it needs to act on without reading the text: each damaged file with every snapshot
 * that shares it and where an intact copy is, and how much of the set this run covered.
 */
import { chatText, type PostedPayload } from '../report/webhook.ts';
import type { DeepVerifyReport, Mismatch } from './deep.ts';

export interface VerifyCoverage {
  /** Which of the rotating buckets this run read (1-based), of how many: every inode is read once in `buckets` runs. */
  bucket: number;
  buckets: number;
  /** Files of the manifests this run left for other runs of the cycle. */
  filesLeftForOtherRuns: number;
}

export interface VerifyWebhookPayload extends PostedPayload {
  kind: 'verify';
  host: string;
  name: string;
  /** ok: nothing damaged; failed: a mismatch, or the verify could not run (`error`). */
  status: 'ok' | 'failed';
  exitCode: number;
  durationMs: number;
  mismatches: Mismatch[];
  /** Null when the verify could not run. */
  snapshots: string[] | null;
  files: number | null;
  inodesSampled: number | null;
  bytesRead: number | null;
  /** Null for a verify of every inode (no sample) or one that could not run. */
  coverage: VerifyCoverage | null;
  error: string | null;
}

export interface VerifyRunFacts {
  host: string;
  name: string;
  exitCode: number;
  startedAt: Date;
  finishedAt: Date;
  /** The report as mailed: the mismatches, then the summary line. */
  text: string;
  report?: DeepVerifyReport;
  error?: string;
}

/** Pure: the JSON body. */
export function verifyWebhookPayload(f: VerifyRunFacts): VerifyWebhookPayload {
  const head = `linkdest verify ${f.host} ${f.name}: `;
  const text = chatText(`${head}${f.text.trimEnd()}`);
  const r = f.report;
  return {
    kind: 'verify', text, content: text,
    host: f.host, name: f.name, status: f.exitCode === 0 ? 'ok' : 'failed', exitCode: f.exitCode,
    startedAt: f.startedAt.toISOString(), finishedAt: f.finishedAt.toISOString(), durationMs: f.finishedAt.getTime() - f.startedAt.getTime(),
    mismatches: r?.mismatches ?? [],
    snapshots: r?.snapshots ?? null, files: r?.files ?? null, inodesSampled: r?.inodesRead ?? null, bytesRead: r?.bytesRead ?? null,
    coverage: r?.sample ? { bucket: r.sample.bucket + 1, buckets: r.sample.buckets, filesLeftForOtherRuns: r.skippedBySample } : null,
    error: f.error ?? null,
  };
}
