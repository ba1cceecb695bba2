/**
 * Getting an enrolled disk's filesystem ready to mount. A plain disk needs nothing. An
 * encrypted one (luks_uuid) is opened with its key file (runtime/disks/luks.ts) as
 * /dev/mapper/linkdest-<id>, whose filesystem then carries the disk's uuid.
 */
import type { RotationDisk } from '../config.ts';
import type { Logger } from '../logger.ts';
import { openLuks } from './luks.ts';
import { mapperName } from './luks-argv.ts';

/** Returns how to close it again (after unmounting), or undefined when nothing was opened. */
export async function openDisk(d: RotationDisk, log: Logger): Promise<(() => Promise<void>) | undefined> {
  if (d.luks_uuid === undefined || d.key_file === undefined) return undefined;
  const opened = await openLuks({ luksUuid: d.luks_uuid, keyFile: d.key_file, name: mapperName(d.id) }, log);
  return async () => {
    const err = await opened.close();
    if (err) log.warn(err);
  };
}
