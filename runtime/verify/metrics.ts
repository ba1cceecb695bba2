/**
 * The scheduled verify's Prometheus textfile, beside the run's (`<metrics_file>` with
 * `-verify` before `.prom`) so neither overwrites the other. Like the run's, the last
 * success time is carried over from the previous file, so "no clean verify for N days"
 * can alert. A success is a verify that finished and found no mismatch.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

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
  const prefix = `linkdest_verify_last_success_timestamp{name="${label(name)}"} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  const v = line === undefined ? NaN : Number(line.slice(prefix.length));
  return Number.isFinite(v) ? v : undefined;
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
  const previous = await readFile(path, 'utf8').catch(() => '');
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, renderVerifyMetrics(o, previousVerifySuccess(previous, o.name)), { mode: 0o644 });
  await rename(tmp, path);
  return path;
}
