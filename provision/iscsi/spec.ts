/**
 * What the iSCSI resources share: the target as the inventory gives it, and the facts
 * they read. The iSCSI facts ride on the host's Facts as `iscsi` (gathered by
 * gatherIscsiFacts, see facts.ts), so a resource still checks one Facts value.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import { formatPortal } from '../../inventory/iscsi.ts';
import type { IscsiDiskSpec } from '../../inventory/host-spec.ts';
import type { Facts } from '../facts/types.ts';
import type { IscsiFacts, IscsiQuery } from './facts.ts';
import type { BackupMount } from './lun-mounts.ts';

export type IscsiHostFacts = Facts & { iscsi?: IscsiFacts };

export interface IscsiResourceSpec {
  /** Inventory host name, for errors. */
  host: string;
  disk: IscsiDiskSpec;
  /** install_packages from the inventory. */
  install: boolean;
  /** Where and how the LUN's filesystem is mounted: unmounted around a logout. */
  backup?: BackupMount;
}

/** ADDR:PORT of each configured portal, in the inventory's order; the first is the one logged in to. */
export function portalsOf(disk: IscsiDiskSpec): string[] {
  return disk.portals.map(formatPortal);
}

export function iscsiQueryOf(disk: IscsiDiskSpec): IscsiQuery {
  return { target: disk.target, lun: disk.lun, portals: portalsOf(disk) };
}

export function iscsiFactsOf(facts: IscsiHostFacts, host: string): IscsiFacts {
  if (facts.iscsi === undefined) {
    throw new LinkdestError('iSCSI facts were not gathered (provisioner bug: call gatherIscsiFacts for hosts with an iSCSI disk)', { host, step: 'facts' });
  }
  return facts.iscsi;
}

/** Addresses compare case-insensitively (host names); everything else exactly. */
export function samePortal(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The by-path link udev makes for the LUN once a session on `portal` is up. */
export function byPathLink(portal: string, target: string, lun: number): string {
  return `/dev/disk/by-path/ip-${portal}-iscsi-${target}-lun-${lun}`;
}
