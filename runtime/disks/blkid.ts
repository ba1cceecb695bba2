/**
 * What `blkid -c /dev/null -o export` says about every block device: one paragraph of
 * KEY=value lines per device, a blank line between. Pure parser; probeFilesystems runs it.
 * The cache is bypassed (-c /dev/null): a disk plugged in a minute ago must be seen.
 */
import { run } from '../exec.ts';

export interface ProbedFilesystem {
  device: string;
  /** Lower case, as the inventory stores it. */
  uuid: string;
  type?: string;
  label?: string;
}

/**
 * One device's `blkid -o export` lines as KEY=value; blkid backslash-escapes shell-special
 * characters in values (`LABEL=my\\ disk`). The provisioner's facts parse with it too.
 */
export function parseBlkidProps(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).replace(/\\(.)/g, '$1');
  }
  return out;
}

export function parseBlkidExport(text: string): ProbedFilesystem[] {
  const out: ProbedFilesystem[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const props = parseBlkidProps(block);
    if (props.DEVNAME === undefined || props.UUID === undefined) continue;
    out.push({
      device: props.DEVNAME, uuid: props.UUID.toLowerCase(),
      ...(props.TYPE !== undefined && { type: props.TYPE }),
      ...(props.LABEL !== undefined && { label: props.LABEL }),
    });
  }
  return out;
}

/** Every filesystem (and LUKS container) the host sees now; blkid exits 2 when there is none. */
export async function probeFilesystems(): Promise<ProbedFilesystem[]> {
  const r = await run(['blkid', '-c', '/dev/null', '-o', 'export'], { timeoutMs: 60_000 });
  if (r.code !== 0 && r.code !== 2) return [];
  return parseBlkidExport(r.stdout);
}
