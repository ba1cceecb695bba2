/** Parser of `wipefs -n -J DEV`: every signature on the device, whether or not udev knows it. */
import type { Signature } from './types.ts';

export function parseWipefs(json: string): Signature[] {
  if (json.trim() === '') return [];
  const data = JSON.parse(json) as { signatures?: Record<string, unknown>[] };
  return (data.signatures ?? []).map((s) => ({
    device: String(s.device ?? ''),
    offset: String(s.offset ?? ''),
    type: String(s.type ?? ''),
    ...(typeof s.uuid === 'string' && s.uuid !== '' ? { uuid: s.uuid } : {}),
    ...(typeof s.label === 'string' && s.label !== '' ? { label: s.label } : {}),
  }));
}
