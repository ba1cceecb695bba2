/**
 * A host for the wizard's flow tests, without a host: facts, disks as the gather script
 * reports them (lsblk rows, blkid probes, mounts), directory sizes, VMs, iSCSI targets; and
 * a converger that records what apply would have been asked to do.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockDevice, DiskFacts, Facts, MountEntry } from '../../../provision/facts/types.ts';
import type { HostPlan } from '../../../provision/plan.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { createAsker } from '../../../provision/wizard/ask.ts';
import { classifyDisk, type DiskCandidate } from '../../../provision/wizard/disks.ts';
import type { InitDeps } from '../../../provision/wizard/flow.ts';
import type { HostProbe } from '../../../provision/wizard/host-probe.ts';
import type { ChapCredentials, FoundTarget } from '../../../provision/wizard/iscsi-discovery.ts';
import type { MailAnswers } from '../../../provision/wizard/answers.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { ScriptedPrompts, type Scripted, type Seq } from './scripted.ts';

export function dev(name: string, o: Partial<BlockDevice> = {}): BlockDevice {
  return { name, path: `/dev/${name}`, type: 'disk', size: 500 * 2 ** 30, mountpoints: [], ro: false, rm: false, children: [], ...o };
}

export function diskFacts(d: BlockDevice, o: Partial<DiskFacts> = {}): DiskFacts {
  const paths = [d.path, ...d.children.map((c) => c.path)];
  return {
    configured: d.path, resolved: d.path, aliases: [], device: d,
    probe: Object.fromEntries(paths.map((p) => [p, {}])), signatures: {}, holders: {}, rootNames: {}, ...o,
  };
}

export const SYSTEM_MOUNTS: MountEntry[] = [{ source: '/dev/sda2', target: '/', fstype: 'ext4', options: ['rw'] }];

/** sda: system; sdb: blank USB; sdc: USB with an NTFS partition; sdd: linkdest's disk; sde: mounted data. */
export function typicalDisks(): DiskFacts[] {
  const part = (name: string, o: Partial<BlockDevice> = {}) => dev(name, { type: 'part', ...o });
  const sda = dev('sda', { model: 'Samsung SSD', serial: 'S1', tran: 'sata', children: [part('sda1'), part('sda2', { mountpoints: ['/'] })] });
  const sdb = dev('sdb', { model: 'Elements', serial: 'WX11', tran: 'usb', size: 2 * 2 ** 40 });
  const sdc = dev('sdc', { model: 'Passport', serial: 'WX22', tran: 'usb', children: [part('sdc1')] });
  const sdd = dev('sdd', { model: 'Expansion', serial: 'NA33', tran: 'usb', children: [part('sdd1')] });
  const sde = dev('sde', { model: 'Ext', serial: 'ZZ44', tran: 'usb', children: [part('sde1', { mountpoints: ['/media/photos'] })] });
  return [
    diskFacts(sda, { aliases: ['/dev/disk/by-id/ata-Samsung_SSD_S1'], probe: { '/dev/sda': { PTTYPE: 'gpt' }, '/dev/sda2': { TYPE: 'ext4', UUID: 'root-uuid' } } }),
    diskFacts(sdb, { aliases: ['/dev/disk/by-id/wwn-0x5000', '/dev/disk/by-id/usb-WD_Elements_WX11-0:0'] }),
    diskFacts(sdc, {
      aliases: ['/dev/disk/by-id/usb-WD_Passport_WX22-0:0'],
      probe: { '/dev/sdc': { PTTYPE: 'dos', PTUUID: 'abcd1234' }, '/dev/sdc1': { TYPE: 'ntfs', LABEL: 'Holidays', UUID: '0A1B' } },
    }),
    diskFacts(sdd, {
      aliases: ['/dev/disk/by-id/usb-Seagate_Expansion_NA33-0:0'],
      probe: { '/dev/sdd': { PTTYPE: 'gpt' }, '/dev/sdd1': { TYPE: 'ext4', LABEL: 'linkdest', UUID: 'ld-uuid' } },
      rootNames: { '/dev/sdd1': ['.', '..', 'lost+found', '.linkdest-backup', 'marte'] },
    }),
    diskFacts(sde, { aliases: ['/dev/disk/by-id/usb-Ext_ZZ44-0:0'], probe: { '/dev/sde1': { TYPE: 'ext4', LABEL: 'photos', UUID: 'ph' } } }),
  ];
}

export const FACTS: Facts = {
  os: { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  systemd: true, autofs: { kernel: true, device: true }, packageManager: 'apt', commands: {}, node: { path: '/usr/bin/node', version: '18.19.0' },
  mounts: [...SYSTEM_MOUNTS, { source: '/dev/sde1', target: '/media/photos', fstype: 'ext4', options: [] }],
  fstab: [], files: {}, units: {},
};

export interface FakeHost {
  /** Facts other than FACTS' (a kernel without autofs, a host without systemd). */
  facts?: Partial<Facts>;
  disks?: DiskFacts[];
  dirs?: { path: string; bytes?: number }[];
  /** Domains virsh lists; undefined: virsh is not installed. */
  vms?: string[];
  /** `virsh list` failing with this reason (wins over vms). */
  virshFails?: string;
  /** What discovery finds, depending on the CHAP credentials given. */
  targets?: FoundTarget[] | ((chap?: ChapCredentials) => FoundTarget[]);
  /** Every discovery the wizard ran: the CHAP credentials given, if any. */
  discoveries?: (ChapCredentials | undefined)[];
  /** URIs the VM step listed. */
  vmUris?: string[];
}

export function fakeProbe(h: FakeHost): HostProbe {
  return {
    facts: async () => ({ ...FACTS, ...h.facts }),
    disks: async (q) => (h.disks ?? typicalDisks()).map((d) => classifyDisk(d, { ...q, mounts: FACTS.mounts })).filter((c): c is DiskCandidate => c !== undefined),
    dirSizes: async (paths) => (h.dirs ?? [{ path: '/srv', bytes: 5 * 2 ** 30 }, { path: '/etc', bytes: 4 * 2 ** 20 }]).filter((d) => paths.includes(d.path)),
    vms: async (uri) => {
      (h.vmUris ??= []).push(uri);
      if (h.virshFails !== undefined) return { kind: 'failed', reason: h.virshFails };
      return h.vms === undefined ? { kind: 'no-virsh' } : { kind: 'listed', names: h.vms };
    },
  };
}

export interface Recorded {
  planned: { spec: HostSpec; formatConfirm?: string }[];
  applied: number;
  backups: number;
  mails: { mail: MailAnswers; password?: string }[];
  out: string[];
  said: string[];
}

/** Everything runInit needs, with a scripted terminal and the host above. */
export function harness(script: Record<string, Scripted | Seq>, host: FakeHost = {}, presets: Record<string, unknown> = {}, yes = false) {
  const prompts = new ScriptedPrompts(script);
  const rec: Recorded = { planned: [], applied: 0, backups: 0, mails: [], out: [], said: [] };
  const transport = { name: 'fake' } as unknown as Transport;
  const deps: InitDeps = {
    ask: createAsker({ backend: prompts.backend, presets: presets as Record<string, string>, yes, out: (t) => rec.said.push(t) }),
    out: (t) => rec.out.push(t),
    connect: async () => ({ transport, close: async () => {} }),
    probe: () => fakeProbe(host),
    discover: () => async (_portal, chap) => {
      (host.discoveries ??= []).push(chap);
      return typeof host.targets === 'function' ? host.targets(chap) : host.targets ?? [];
    },
    sendMail: async (mail, password) => { rec.mails.push({ mail, ...(password !== undefined && { password }) }); },
    converger: {
      plan: async (spec, _t, formatConfirm) => {
        rec.planned.push({ spec, ...(formatConfirm !== undefined && { formatConfirm }) });
        return { host: spec.name, changes: [{ resource: 'fs', action: 'create', summary: 'create ext4' }], facts: FACTS, resources: [], config: {} } as unknown as HostPlan;
      },
      apply: async () => { rec.applied++; },
      firstBackup: async () => { rec.backups++; return { ok: true, lines: ['2024-01-01_03-00-00  ok'] }; },
    },
  };
  return { prompts, rec, deps };
}

export async function workdir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'linkdest-wizard-'));
}
