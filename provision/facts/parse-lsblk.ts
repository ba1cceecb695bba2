/** Parser of `lsblk -J -b -o NAME,PATH,TYPE,SIZE,FSTYPE,LABEL,UUID,PARTUUID,PTTYPE,MOUNTPOINTS,SERIAL,MODEL,TRAN,RO,RM,PKNAME`. */
import type { BlockDevice } from './types.ts';

type Raw = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** lsblk prints booleans as true/false, older versions as "0"/"1". */
function bool(v: unknown): boolean {
  return v === true || v === '1' || v === 1;
}

function device(raw: Raw): BlockDevice {
  const mps = Array.isArray(raw.mountpoints) ? raw.mountpoints : [raw.mountpoint];
  return {
    name: String(raw.name ?? ''),
    path: str(raw.path) ?? `/dev/${String(raw.name ?? '')}`,
    type: String(raw.type ?? ''),
    size: Number(raw.size ?? 0),
    fstype: str(raw.fstype),
    label: str(raw.label),
    uuid: str(raw.uuid),
    partuuid: str(raw.partuuid),
    pttype: str(raw.pttype),
    mountpoints: mps.filter((m): m is string => typeof m === 'string' && m !== ''),
    serial: str(raw.serial),
    model: str(raw.model),
    tran: str(raw.tran),
    ro: bool(raw.ro),
    rm: bool(raw.rm),
    pkname: str(raw.pkname),
    children: Array.isArray(raw.children) ? (raw.children as Raw[]).map(device) : [],
  };
}

/** All top-level devices of the output; empty output (device vanished) gives []. */
export function parseLsblk(json: string): BlockDevice[] {
  if (json.trim() === '') return [];
  const data = JSON.parse(json) as { blockdevices?: Raw[] };
  return (data.blockdevices ?? []).map(device);
}
