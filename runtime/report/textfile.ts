/**
 * What every Prometheus textfile linkdest writes shares (the run's, the scheduled verify's):
 * label escaping, reading a gauge back from the previous file (so a "last success" time
 * survives failed runs), and the atomic write node_exporter needs to never read half a file.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

/** Label values escape backslash, quote and newline (exposition format). */
export const labelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The value of `metric{name="NAME"}` in a previous textfile, if any. */
export function previousGauge(text: string, metric: string, name: string): number | undefined {
  const prefix = `${metric}{name="${labelValue(name)}"} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  const v = line === undefined ? NaN : Number(line.slice(prefix.length));
  return Number.isFinite(v) ? v : undefined;
}

/** Renders from the previous file's text (empty when none) and replaces `path` via a temp file and rename. */
export async function writeTextfile(path: string, render: (previous: string) => string): Promise<void> {
  const previous = await readFile(path, 'utf8').catch(() => '');
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, render(previous), { mode: 0o644 });
  await rename(tmp, path);
}
