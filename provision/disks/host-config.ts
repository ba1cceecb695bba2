/**
 * After an enrolment or a retirement: the host's runtime config rewritten from the edited
 * inventory (what apply would write), so the next night already knows the disks.
 */
import { findHost } from '../ops/host-target.ts';
import { runtimeConfigFor } from '../recipe.ts';
import { CONFIG_PATH } from '../resources/schedule.ts';
import type { Transport } from '../transport/transport.ts';

export async function writeHostConfig(t: Transport, inventory: string, host: string, log: (l: string) => void): Promise<void> {
  const config = runtimeConfigFor(await findHost(inventory, host));
  await t.run(['mkdir', '-p', '-m', '0755', '--', '/etc/linkdest'], { mutating: true });
  await t.putFile(CONFIG_PATH, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, owner: 'root', group: 'root' });
  log(`${CONFIG_PATH} updated (${(config.destination.disks ?? []).map((d) => d.id).join(', ') || 'no disks'})`);
}
