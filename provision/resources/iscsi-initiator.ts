/**
 * The host's iSCSI initiator name in /etc/iscsi/initiatorname.iscsi. An existing name is
 * never changed: the NAS's list of allowed initiators refers to it. A host without one
 * gets the readable `iqn.2004-10.com.linkdest:HOSTNAME`, and iscsid is restarted to use it.
 */
import type { Change } from './resource.ts';
import { mutate, type HostApplyContext } from './host-resource.ts';
import { targetNameProblem } from '../../inventory/iscsi.ts';
import { generatedInitiatorName, initiatorFileContent } from '../iscsi/initiator-name.ts';
import { iscsiFactsOf, type IscsiHostFacts } from '../iscsi/spec.ts';
import { IscsiResource } from './iscsi-resource.ts';

export const INITIATOR_FILE = '/etc/iscsi/initiatorname.iscsi';

export class IscsiInitiatorResource extends IscsiResource {
  readonly id = `file:${INITIATOR_FILE}`;

  check(facts: IscsiHostFacts): Change[] {
    const f = iscsiFactsOf(facts, this.spec.host);
    if (f.initiatorName !== undefined && targetNameProblem(f.initiatorName) === undefined) return [];
    const name = generatedInitiatorName(f.hostname || this.spec.host);
    const content = initiatorFileContent(name);
    return [{
      resource: this.id,
      action: f.initiatorFile === undefined ? 'create' : 'update',
      summary: `set the iSCSI initiator name to ${name} (allow it on the NAS)`,
      diff: { path: INITIATOR_FILE, ...(f.initiatorFile !== undefined ? { before: f.initiatorFile } : {}), after: content },
      notify: ['restart-iscsid'],
      data: content,
    }];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      await mutate(ctx, ['mkdir', '-p', '--', '/etc/iscsi']);
      ctx.log(`write ${INITIATOR_FILE}`);
      await ctx.transport.putFile(INITIATOR_FILE, c.data as string, { mode: 0o644 });
    }
  }
}
