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

export function parseBlkidExport(text: string): ProbedFilesystem[] {
  const out: ProbedFilesystem[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const props: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props[line.slice(0, eq).trim()] = line.slice(eq + 1);
    }
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
