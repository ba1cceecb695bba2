/**
 * A host with encrypted rotation disks must be able to open them: device-mapper in the
 * kernel and cryptsetup. Checked at plan time from the facts, so `linkdest plan` says it in
 * one line instead of every nightly run failing at the open. Changes nothing on the host.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts } from '../facts/types.ts';
import type { HostApplyContext, HostResource } from './host-resource.ts';
import { encryptionRefusal } from '../disks/luks-format.ts';

export class EncryptionSupportResource implements HostResource {
  readonly id = 'encryption-support';
  readonly query = {};

  constructor(private readonly host: string, private readonly encryptedIds: string[]) {}

  check(facts: Facts): Change[] {
    if (this.encryptedIds.length === 0) return [];
    const refusal = encryptionRefusal(this.host, { mapperControl: facts.deviceMapper === true, cryptsetup: facts.commands.cryptsetup !== undefined });
    if (refusal) {
      const which = this.encryptedIds.length === 1 ? `disk ${this.encryptedIds[0]} is` : `disks ${this.encryptedIds.join(', ')} are`;
      throw new LinkdestError(`${refusal}; ${which} encrypted`, { host: this.host, step: 'encryption' });
    }
    return [];
  }

  async apply(_changes: Change[], _ctx: HostApplyContext): Promise<void> {}
}
