/**
 * Retiring a disk also takes away its plug-in trigger (`linkdest-attach-ID.service`): apply
 * only manages the triggers of the disks the inventory names, so a retired disk's unit would
 * stay enabled on the host, and attaching that disk would still start the service.
 */
import type { Transport } from '../transport/transport.ts';
import { attachUnitName } from '../resources/attach-trigger.ts';
import { UNIT_DIR } from '../resources/mount-units.ts';

export async function removeAttachTrigger(t: Transport, id: string, log: (l: string) => void): Promise<void> {
  const unit = attachUnitName(id);
  const path = `${UNIT_DIR}/${unit}`;
  if ((await t.run(['test', '-e', path], { allowFailure: true })).code !== 0) return;
  await t.run(['systemctl', 'disable', '--', unit], { allowFailure: true, mutating: true });
  await t.run(['rm', '-f', '--', path], { mutating: true });
  await t.run(['systemctl', 'daemon-reload'], { allowFailure: true, mutating: true });
  log(`${path} removed (attaching disk ${id} no longer starts a run)`);
}
