/**
 * The scheduled verify's Prometheus textfile, beside the run's (`<metrics_file>` with
 * `-verify` before `.prom`) so neither overwrites the other. Like the run's, the last
 * success time is carried over from the previous file, so "no clean verify for N days"
 * can alert. A success is a verify that finished and found no mismatch.
 */
import { labelValue as label, previousGauge, writeTextfile } from '../report/textfile.ts';

export function verifyMetricsPath(metricsFile: string): string {
  return metricsFile.endsWith('.prom') ? `${metricsFile.slice(0, -5)}-verify.prom` : `${metricsFile}-verify.prom`;
}

export interface VerifyOutcome {
  name: string;
  finishedAt: Date;
  /** Undefined when the verify could not run (locked, destination missing...). */
  mismatches?: number;
  inodesRead?: number;
  bytesRead?: number;
}

export function previousVerifySuccess(text: string, name: string): number | undefined {
  return previousGauge(text, 'linkdest_verify_last_success_timestamp', name);
}

export function renderVerifyMetrics(o: VerifyOutcome, lastSuccess: number | undefined): string {
  const l = `{name="${label(o.name)}"}`;
  const out: string[] = [];
  const gauge = (name: string, help: string, v: number | undefined): void => {
    if (v !== undefined) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${l} ${v}`);
  };
  const finished = o.finishedAt.getTime() / 1000;
  gauge('linkdest_verify_last_run_timestamp', 'When the last scheduled verify finished (seconds since the epoch).', finished);
  gauge('linkdest_verify_last_success_timestamp', 'When the last scheduled verify that found no mismatch finished (seconds since the epoch).', o.mismatches === 0 ? finished : lastSuccess);
  gauge('linkdest_verify_completed', 'Whether the last scheduled verify ran to its end (1) or could not run (0).', o.mismatches === undefined ? 0 : 1);
  gauge('linkdest_verify_mismatches', 'Files whose content differs from the manifest, found by the last scheduled verify.', o.mismatches);
  gauge('linkdest_verify_inodes_read', 'Inodes read by the last scheduled verify.', o.inodesRead);
  gauge('linkdest_verify_bytes_read', 'Bytes read by the last scheduled verify.', o.bytesRead);
  return `${out.join('\n')}\n`;
}

export async function writeVerifyMetrics(metricsFile: string, o: VerifyOutcome): Promise<string> {
  const path = verifyMetricsPath(metricsFile);
  await writeTextfile(path, (previous) => renderVerifyMetrics(o, previousVerifySuccess(previous, o.name)));
  return path;
}
