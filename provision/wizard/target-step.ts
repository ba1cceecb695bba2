/**
 * Step 3: the backup target. A local/USB disk chosen from a table (system and mounted
 * disks cannot be chosen; a disk with data only after its serial or label is typed; a
 * linkdest disk is offered for adoption), or an iSCSI LUN found by discovery from the host,
 * with CHAP credentials stored as a 0600 file next to the inventory.
 */
import { join } from 'node:path';
import { DEFAULTS } from '../../inventory/build.ts';
import { parsePortal } from '../../inventory/iscsi.ts';
import { formatBytes } from '../../runtime/size.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { describeIqnLine } from '../iscsi/qnap-iqn.ts';
import type { Asker } from './ask.ts';
import type { TargetAnswers } from './answers.ts';
import { confirmsDisk, diskRows, namesDisk, type DiskCandidate } from './disks.ts';
import type { HostProbe } from './host-probe.ts';
import type { ChapCredentials, FoundTarget, IscsiDiscover } from './iscsi-discovery.ts';

export interface TargetContext {
  ask: Asker;
  probe: HostProbe;
  discover: IscsiDiscover;
  host: string;
  inventoryDir: string;
  mountpoint: string;
  marker: string;
  /** The host's current `disk:` settings when editing it. */
  existing?: { usb?: { device?: string }; iscsi?: { portal?: unknown; target?: string; lun?: number; chap?: { user?: string } } };
  /** Secret files to write at the end. */
  secrets: { file: string; content: string }[];
}

type Fs = 'ext4' | 'xfs' | 'btrfs';

async function askFilesystem(ask: Asker): Promise<Fs> {
  return (await ask.select({
    id: 'filesystem', message: 'Filesystem for the backup disk',
    choices: [{ value: 'ext4', name: 'ext4 (recommended)' }, { value: 'xfs', name: 'xfs' }, { value: 'btrfs', name: 'btrfs' }],
    default: DEFAULTS.filesystem,
  })) as Fs;
}

async function chooseDisk(c: TargetContext): Promise<TargetAnswers> {
  const disks = await c.probe.disks({ label: DEFAULTS.label, marker: c.marker, mountpoint: c.mountpoint });
  const { header, rows } = diskRows(disks);
  if (!disks.some((d) => d.blocked === undefined)) {
    throw new LinkdestError(`no disk on the host can hold the backups:\n  ${header}\n${rows.map((r) => `  ${r}`).join('\n')}`.split('\n').join(' | '), { host: c.host, step: 'disk' });
  }
  const current = disks.find((d) => c.existing?.usb?.device !== undefined && namesDisk(d, c.existing.usb.device));
  // No default that would format a disk: with --yes such a disk must be named by --disk.
  const first = current ?? disks.find((d) => d.state === 'linkdest');
  for (;;) {
    c.ask.say(`Disks on ${c.host}:\n  ${header}`);
    const chosen = await c.ask.select({
      id: 'disk', message: 'Which disk should hold the backups?',
      choices: disks.map((d, i) => ({ value: d.stable ?? d.path, name: rows[i]!, ...(d.blocked && { disabled: d.blocked }) })),
      ...(first && { default: first.stable ?? first.path }),
    });
    const d = disks.find((x) => namesDisk(x, chosen))!;
    if (d.state === 'linkdest') {
      const adopt = await c.ask.confirm({
        id: 'adopt', message: `${d.path} already holds linkdest's filesystem with its marker. Keep it and its snapshots (adopt)?`, default: true,
      });
      if (adopt) return { kind: 'usb', device: d.stable!, adopt: true, filesystem: (d.parts.find((p) => p.label === DEFAULTS.label)?.fstype ?? 'ext4') as Fs, label: DEFAULTS.label };
    }
    if (d.state === 'blank') return { kind: 'usb', device: d.stable!, adopt: false, filesystem: await askFilesystem(c.ask), label: DEFAULTS.label };
    const typed = await confirmErase(c.ask, d);
    if (typed === '') continue;
    return { kind: 'usb', device: d.stable!, adopt: false, formatConfirm: d.formatToken ?? typed, filesystem: await askFilesystem(c.ask), label: DEFAULTS.label };
  }
}

/** '' = choose another disk; otherwise a word that names this disk. */
async function confirmErase(ask: Asker, d: DiskCandidate): Promise<string> {
  ask.say(`${d.path} (${formatBytes(d.size)}${d.model ? ` ${d.model}` : ''}) holds: ${d.contents}.`);
  ask.say('Formatting it ERASES all of that.');
  const what = d.serial ? `its serial number ${d.serial}` : 'the label or UUID of a filesystem on it';
  return (await ask.input({
    id: 'format-confirm',
    message: `To erase it, type ${what} (empty: choose another disk):`,
    validate: (v) => v.trim() === '' || confirmsDisk(d, v) || `that is not ${what}; nothing will be erased`,
  })).trim();
}

function portalText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function describeTarget(t: FoundTarget): string {
  const luns = t.luns.map((l) => `LUN ${l.lun}${l.bytes !== undefined ? ` ${formatBytes(l.bytes)}` : ''}`).join(', ');
  return `${describeIqnLine(t.target)}${luns ? `: ${luns}` : ''}${t.needsChap ? ' [needs CHAP]' : ''}  ${t.target}`;
}

async function discoverFromHost(c: TargetContext, portal: string, chap?: ChapCredentials): Promise<FoundTarget[]> {
  return c.discover(portal, chap).catch((e: Error) => {
    throw new LinkdestError(`iSCSI discovery at ${portal} from the host failed: ${e.message}`, { host: c.host, step: 'iscsi' });
  });
}

/**
 * CHAP user and password for `t`, checked by listing its LUNs with them from the host.
 * Undefined: the user wants another target. A rejection of credentials given as flags
 * ends init, since asking again would get the same answer.
 */
async function askChap(c: TargetContext, portal: string, t: FoundTarget): Promise<{ chap: ChapCredentials; found: FoundTarget } | undefined> {
  let user = c.existing?.iscsi?.chap?.user;
  for (;;) {
    user = (await c.ask.input({ id: 'chap-user', message: 'CHAP user name:', ...(user && { default: user }), validate: (v) => v.trim() !== '' || 'required' })).trim();
    const password = await c.ask.password({ id: 'chap-password', message: 'CHAP password (not shown, stored in a 0600 file next to linkdest.yml):' });
    const chap = { user, password };
    c.ask.say(`Checking the CHAP login to ${t.target} from ${c.host}...`);
    const found = (await discoverFromHost(c, portal, chap)).find((x) => x.target === t.target);
    if (found === undefined) throw new LinkdestError(`${portal} no longer offers ${t.target} to this host`, { host: c.host, step: 'iscsi' });
    if (!found.chapRejected) {
      c.ask.say(found.note === undefined ? 'The NAS accepted the CHAP login.' : `CHAP login not checked: ${found.note}`);
      return { chap, found };
    }
    if (c.ask.fromFlag('chap-user') !== undefined || c.ask.fromFlag('chap-password') !== undefined) {
      throw new LinkdestError(`${found.note} (--chap-user, --chap-password-file)`, { host: c.host, step: 'iscsi' });
    }
    c.ask.say(found.note!);
    const next = await c.ask.select({
      id: 'chap-rejected', message: 'The CHAP login failed. What now?', default: 'again',
      choices: [{ value: 'again', name: 'enter the CHAP user and password again' }, { value: 'other', name: 'choose another target' }],
    });
    if (next === 'other') return undefined;
  }
}

async function chooseLun(c: TargetContext): Promise<TargetAnswers> {
  const old = c.existing?.iscsi;
  const portal = (await c.ask.input({
    id: 'iscsi-portal', message: 'Address of the NAS (iSCSI portal, ADDRESS[:PORT], port 3260 by default):',
    ...(portalText(old?.portal) !== undefined && { default: portalText(old?.portal) }),
    validate: (v) => { const p = parsePortal(v.trim()); return typeof p === 'string' ? p : true; },
  })).trim();
  c.ask.say(`Asking ${portal} for its targets (from ${c.host})...`);
  const targets = await discoverFromHost(c, portal);
  if (targets.length === 0) throw new LinkdestError(`the NAS at ${portal} offers no iSCSI targets to this host`, { host: c.host, step: 'iscsi' });
  for (;;) {
    const iqn = await c.ask.select({
      id: 'iscsi-target', message: 'Which target?', choices: targets.map((t) => ({ value: t.target, name: describeTarget(t) })),
      default: targets.find((t) => t.target === old?.target)?.target ?? targets[0]!.target,
    });
    let t = targets.find((x) => x.target === iqn)!;
    let chap: ChapCredentials | undefined;
    if (await c.ask.confirm({ id: 'chap', message: 'Does this target need CHAP credentials?', default: t.needsChap || old?.chap !== undefined })) {
      const checked = await askChap(c, portal, t);
      if (checked === undefined) continue;
      ({ chap, found: t } = checked);
    }
    const lun = t.luns.length > 0
      ? Number(await c.ask.select({
        id: 'iscsi-lun', message: 'Which LUN?', default: String(t.luns.find((l) => l.lun === old?.lun)?.lun ?? t.luns[0]!.lun),
        choices: t.luns.map((l) => ({ value: String(l.lun), name: `LUN ${l.lun}${l.bytes !== undefined ? ` (${formatBytes(l.bytes)})` : ''}` })),
      }))
      : Number(await c.ask.input({
        id: 'iscsi-lun', message: `LUN number${t.note ? ` (${t.note})` : ''}:`, ...(old?.lun !== undefined && { default: String(old.lun) }),
        validate: (v) => /^\d+$/.test(v.trim()) || 'expected a number such as 0 or 1 (QNAP: Storage > iSCSI > LUN)',
      }));
    let stored: { user: string; password_file: string } | undefined;
    if (chap) {
      const name = `${c.host}.chap-secret`;
      c.secrets.push({ file: join(c.inventoryDir, name), content: chap.password });
      stored = { user: chap.user, password_file: `./${name}` };
    }
    return { kind: 'iscsi', portal, target: iqn, lun, filesystem: await askFilesystem(c.ask), label: DEFAULTS.label, ...(stored && { chap: stored }) };
  }
}

export async function askTarget(c: TargetContext): Promise<TargetAnswers> {
  const kind = await c.ask.select({
    id: 'target', message: 'Where should the backups go?',
    choices: [{ value: 'usb', name: 'a USB or local disk attached to the host' }, { value: 'iscsi', name: 'an iSCSI LUN on a NAS' }],
    default: c.existing?.iscsi ? 'iscsi' : 'usb',
  });
  return kind === 'iscsi' ? chooseLun(c) : chooseDisk(c);
}
