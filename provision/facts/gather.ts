/**
 * Runs GATHER_SCRIPT once on the host with the merged query of all resources and turns
 * its sections into Facts. One round trip per plan; apply re-runs it with a small query
 * when a step needs fresh values (the partition a moment ago created, its new uuid).
 */
import { randomBytes } from 'node:crypto';
import { LinkdestError } from '../../runtime/errors.ts';
import type { Transport } from '../transport/transport.ts';
import { GATHER_SCRIPT } from './gather-script.ts';
import { splitSections, keyValueLines, type Section } from './sections.ts';
import type { DiskFacts, FactQuery, Facts } from './types.ts';
import { parseOsRelease } from './parse-os-release.ts';
import { parseAutofs, parseCommands, parseFileFact, parseInit, parseNodeVersion, parseRsyncVersion, parseUnitFact, packageManagerOf } from './parse-host.ts';
import { parseFstab, parseProcMounts } from './parse-mounts.ts';
import { parseLsblk } from './parse-lsblk.ts';
import { parseBlkidProps } from '../../runtime/disks/blkid.ts';
import { parseWipefs } from './parse-wipefs.ts';
import { parseDebugfsLs } from './parse-debugfs.ts';

/** argv items after the nonce, in the order the script numbers them. */
export function gatherArgs(query: FactQuery): string[] {
  const args: string[] = [];
  for (const f of query.files) args.push(f.secret ? 'secret' : 'file', f.path);
  for (const u of query.units) args.push('unit', u);
  if (query.device !== undefined) args.push('device', query.device);
  if (query.marker !== undefined) args.push('marker', query.marker.mountpoint, query.marker.name);
  return args;
}

export async function gatherFacts(transport: Transport, query: FactQuery): Promise<Facts> {
  const nonce = randomBytes(12).toString('hex');
  const r = await transport.run(['sh', '-c', GATHER_SCRIPT, 'linkdest-gather', nonce, ...gatherArgs(query)], {
    timeoutMs: 120_000,
  });
  try {
    return parseGatherOutput(r.stdout, nonce, query);
  } catch (e) {
    throw new LinkdestError(`cannot read facts: ${(e as Error).message}`, { host: transport.name, step: 'facts', cause: e });
  }
}

/** A holders line "NAME<TAB>DM-UUID<TAB>DM-NAME" as "dm-0 (crypt luks-1234)", or the bare name. */
export function holderName(line: string): string {
  const [name = '', uuid = '', dmName = ''] = line.split('\t');
  if (dmName === '') return name;
  const kind = uuid.startsWith('CRYPT-') ? 'crypt' : uuid.startsWith('LVM-') ? 'LVM' : uuid.startsWith('mpath-') ? 'multipath' : 'dm';
  return `${name} (${kind} ${dmName})`;
}

function diskFacts(configured: string, sections: Section[]): DiskFacts {
  const disk: DiskFacts = { configured, aliases: [], probe: {}, signatures: {}, holders: {}, rootNames: {} };
  for (const s of sections) {
    if (s.kind === 'device') {
      for (const line of s.body.split('\n')) {
        if (line.startsWith('resolved ')) disk.resolved = line.slice(9);
        if (line.startsWith('alias ')) disk.aliases.push(line.slice(6));
      }
    } else if (s.kind === 'lsblk') {
      disk.device = parseLsblk(s.body)[0];
    } else if (s.kind === 'probe') {
      disk.probe[s.arg] = parseBlkidProps(s.body);
    } else if (s.kind === 'wipefs') {
      disk.signatures[s.arg] = parseWipefs(s.body);
    } else if (s.kind === 'holders') {
      disk.holders[s.arg] = s.body.split('\n').filter(Boolean).map(holderName);
    } else if (s.kind === 'btrfs-devices') {
      const n = Number(s.body.trim());
      if (Number.isInteger(n) && n > 0) disk.btrfsDevices = { ...disk.btrfsDevices, [s.arg]: n };
    } else if (s.kind === 'rootls') {
      disk.rootNames[s.arg] = parseDebugfsLs(s.body);
    }
  }
  return disk;
}

export function parseGatherOutput(output: string, nonce: string, query: FactQuery): Facts {
  const sections = splitSections(output, nonce);
  if (!sections.some((s) => s.kind === 'end')) throw new Error('the gather script did not finish');
  const body = (kind: string, arg = ''): string => sections.find((s) => s.kind === kind && s.arg === arg)?.body ?? '';
  const commands = parseCommands(body('commands'));
  const nodeVersion = parseNodeVersion(body('node-version'));
  const rsyncVersion = parseRsyncVersion(body('rsync-version'));
  const nodePath = commands.node ?? commands.nodejs;
  const facts: Facts = {
    os: parseOsRelease(body('os-release')),
    systemd: parseInit(body('init')),
    autofs: parseAutofs(body('autofs')),
    deviceMapper: body('device-mapper').split('\n').includes('control'),
    packageManager: packageManagerOf(commands),
    commands,
    ...(nodePath !== undefined && nodeVersion !== undefined ? { node: { path: nodePath, version: nodeVersion } } : {}),
    ...(rsyncVersion !== undefined ? { rsync: { version: rsyncVersion } } : {}),
    mounts: parseProcMounts(body('mounts')),
    fstab: parseFstab(body('fstab')),
    files: {},
    units: {},
  };
  let index = 0;
  for (const f of query.files) facts.files[f.path] = parseFileFact(body('file', String(index++)));
  for (const u of query.units) facts.units[u] = parseUnitFact(body('unit', String(index++)));
  if (query.device !== undefined) {
    const start = sections.findIndex((s) => s.kind === 'device');
    const end = sections.findIndex((s, i) => i > start && (s.kind === 'marker' || s.kind === 'end'));
    facts.disk = diskFacts(query.device, start < 0 ? [] : sections.slice(start, end));
  }
  if (query.marker !== undefined) {
    const kv = keyValueLines(body('marker'));
    const source = kv.get('mounted');
    const fstype = kv.get('fstype');
    const dev = kv.get('dev');
    const rootDev = kv.get('rootdev');
    facts.marker = {
      ...query.marker,
      ...(source !== undefined ? { mountedSource: source } : {}),
      ...(source !== undefined && fstype ? { mountedFstype: fstype } : {}),
      exists: kv.has('exists'),
      ...(dev ? { dev } : {}),
      ...(rootDev ? { rootDev } : {}),
    };
  }
  return facts;
}
