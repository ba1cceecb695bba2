/**
 * `iscsi-ls -s -i INITIATOR iscsi://PORTAL` (Debian libiscsi-bin) logs in to each target
 * itself, without the kernel, and lists its LUNs:
 *
 *   Target:iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1 Portal:10.0.0.5:3260,1
 *   Lun:0    Type:STORAGE_ARRAY_CONTROLLER
 *   Lun:1    Type:DIRECT_ACCESS (Size:63M)
 *   list_luns: iscsi_connect failed. Failed to log in to target. Status: Authentication failure(513)
 *
 * It stops at the first target it cannot log in to, so the error belongs to the target
 * printed just before it and later targets are missing from the output. Sizes are rounded
 * down to whole k/M/G/T units (binary); discover.ts asks iscsi-readcapacity16 for exact bytes.
 */

export interface ListedLun {
  lun: number;
  /** SCSI peripheral type as printed: DIRECT_ACCESS, STORAGE_ARRAY_CONTROLLER, ... */
  type: string;
  /** Approximate size in bytes (rounded down by iscsi-ls), when printed. */
  approxBytes?: number;
}

export interface ListedTarget {
  target: string;
  portal: string;
  luns: ListedLun[];
  /** iscsi-ls's own error line for this target (login or LUN listing failed). */
  error?: string;
}

export interface IscsiLsResult {
  targets: ListedTarget[];
  /** Error lines not attached to a target (portal connection failed...). */
  errors: string[];
}

const TARGET = /^Target:(\S+)\s+Portal:(\S+?)(?:,(-?\d+))?$/;
const LUN = /^Lun:(\d+)\s+Type:(\S+)(?:\s+\(Size:(\d+(?:\.\d+)?)([kKMGTP]?)\))?/;
const UNIT: Record<string, number> = { '': 1, k: 2 ** 10, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

export function parseIscsiLs(text: string): IscsiLsResult {
  const out: IscsiLsResult = { targets: [], errors: [] };
  let current: ListedTarget | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const t = TARGET.exec(line);
    if (t) {
      current = { target: t[1]!, portal: t[2]!, luns: [] };
      out.targets.push(current);
      continue;
    }
    const l = LUN.exec(line);
    if (l && current) {
      const lun: ListedLun = { lun: Number(l[1]), type: l[2]! };
      if (l[3] !== undefined) lun.approxBytes = Math.round(Number(l[3]) * UNIT[l[4] ?? '']!);
      current.luns.push(lun);
      continue;
    }
    // An error line right after a target header (before any LUN) is that target's login failure.
    if (current && current.luns.length === 0 && current.error === undefined) current.error = line;
    else out.errors.push(line);
  }
  return out;
}

/** LUNs that are disks (the kind linkdest can put a filesystem on). */
export function diskLuns(t: ListedTarget): ListedLun[] {
  return t.luns.filter((l) => l.type === 'DIRECT_ACCESS');
}
