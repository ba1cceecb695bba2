/**
 * What every iSCSI resource shares: nothing from the main gather, the iSCSI gather's query
 * (provision/iscsi/wiring.ts runs it beside the main one), and the host's iSCSI disk spec.
 */
import type { Change } from './resource.ts';
import type { HostApplyContext, HostResource } from './host-resource.ts';
import type { IscsiQuery } from '../iscsi/facts.ts';
import { iscsiQueryOf, type IscsiHostFacts, type IscsiResourceSpec } from '../iscsi/spec.ts';

export abstract class IscsiResource implements HostResource {
  abstract readonly id: string;
  readonly query = {};
  readonly iscsiQuery: IscsiQuery;

  constructor(protected readonly spec: IscsiResourceSpec) {
    this.iscsiQuery = iscsiQueryOf(spec.disk);
  }

  abstract check(facts: IscsiHostFacts): Change[];
  abstract apply(changes: Change[], ctx: HostApplyContext): Promise<void>;
}
