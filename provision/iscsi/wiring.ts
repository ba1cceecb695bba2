/**
 * The two hooks the provisioner core needs for an iSCSI disk: the resources in order (put
 * them before the partition/filesystem resources: the LUN must be there first), and the
 * iSCSI facts added to a host's Facts after the main gather (one more round trip, only
 * for hosts with an iSCSI disk).
 */
import type { HostSpec } from '../../inventory/host-spec.ts';
import type { Facts } from '../facts/types.ts';
import type { Transport } from '../transport/transport.ts';
import type { HostResource } from '../resources/host-resource.ts';
import { IscsiPackageResource } from '../resources/iscsi-package.ts';
import { IscsiInitiatorResource } from '../resources/iscsi-initiator.ts';
import { IscsiServiceResource } from '../resources/iscsi-service.ts';
import { IscsiNodeResource } from '../resources/iscsi-node.ts';
import { IscsiSessionResource } from '../resources/iscsi-session.ts';
import { gatherIscsiFacts, type IscsiQuery } from './facts.ts';
import type { IscsiHostFacts } from './spec.ts';

export function iscsiResourcesFor(spec: HostSpec): HostResource[] {
  const disk = spec.disk?.target;
  if (disk?.kind !== 'iscsi') return [];
  const s = { host: spec.name, disk, install: spec.install_packages, backup: { mountpoint: spec.mountpoint, mount: spec.mount } };
  return [new IscsiPackageResource(s), new IscsiInitiatorResource(s), new IscsiServiceResource(s), new IscsiNodeResource(s), new IscsiSessionResource(s)];
}

/** The iSCSI query of the first resource that has one (all of a host's agree). */
export function iscsiQueryOf(resources: readonly HostResource[]): IscsiQuery | undefined {
  for (const r of resources) {
    const q = (r as { iscsiQuery?: IscsiQuery }).iscsiQuery;
    if (q !== undefined) return q;
  }
  return undefined;
}

/**
 * The host's facts, iSCSI ones included when a resource asks for them. The two gather
 * scripts run side by side on the same connection, so an iSCSI host still costs one
 * round trip of latency.
 */
export async function gatherHostFacts(transport: Transport, resources: readonly HostResource[], base: () => Promise<Facts>): Promise<IscsiHostFacts> {
  const q = iscsiQueryOf(resources);
  if (q === undefined) return base();
  const [facts, iscsi] = await Promise.all([base(), gatherIscsiFacts(transport, q)]);
  return { ...facts, iscsi };
}

export async function withIscsiFacts(transport: Transport, facts: Facts, resources: readonly HostResource[]): Promise<IscsiHostFacts> {
  return gatherHostFacts(transport, resources, async () => facts);
}
