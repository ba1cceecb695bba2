/**
 * Getting an enrolled disk's filesystem ready to mount. A plain disk needs nothing. An
 * encrypted one (luks_uuid) is opened here by issue 15b's runtime/disks/luks.ts; until
 * that is wired in, a run refuses it with a clear line rather than mounting nothing.
 */
import type { RotationDisk } from '../config.ts';
import { LinkdestError } from '../errors.ts';

/** Returns how to close it again (after unmounting), or undefined when nothing was opened. */
export async function openDisk(d: RotationDisk): Promise<(() => Promise<void>) | undefined> {
  if (d.luks_uuid === undefined) return undefined;
  throw new LinkdestError(`disk ${d.id} is encrypted (LUKS ${d.luks_uuid}), and this runtime cannot open encrypted disks yet`, { step: 'guard' });
}
