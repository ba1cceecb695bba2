/**
 * Every question of `linkdest init` as a command-line flag, and the step from parsed flags
 * to the Asker's presets (answers by question id). Secrets come as files (--*-password-file),
 * never as values on the command line, where `ps` would show them.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, LinkdestError } from '../../runtime/errors.ts';
import type { Answer } from './ask.ts';

export interface InitFlags {
  inventory: string;
  yes?: boolean;
  host?: string; name?: string; user?: string; port?: string; identity?: string; jump?: string; hostKeyFingerprint?: string; edit?: boolean;
  target?: string; disk?: string; formatConfirm?: string; adopt?: boolean; filesystem?: string; mountpoint: string;
  iscsiPortal?: string; iscsiTarget?: string; iscsiLun?: string; chapUser?: string; chapPasswordFile?: string;
  source?: string[]; vm?: string[];
  time?: string; keepMin?: string; minFreeBefore?: string; minFreeAfter?: string; minInodesBefore?: string; minInodesAfter?: string;
  mailTo?: string; mailFrom?: string; smtpHost?: string; smtpPort?: string; smtpSecurity?: string; smtpUser?: string; smtpPasswordFile?: string;
  testMail?: boolean; healthcheckUrl?: string; webhook?: boolean; webhookUrlFile?: string; apply?: boolean; firstBackup?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function addInitFlags(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <file>', 'inventory to create or extend', './linkdest.yml')
    .option('-y, --yes', 'no questions: take flags, else defaults (a question without a default needs its flag)')
    .option('--host <address>', 'host to back up: address or ~/.ssh/config alias')
    .option('--name <name>', 'its name in linkdest.yml (default: first label of the address)')
    .option('--user <user>', 'SSH user (default: root)')
    .option('--port <n>', 'SSH port (default: 22)')
    .option('--identity <file>', 'SSH private key (default: ssh-agent and ~/.ssh/id_*)')
    .option('--jump <[user@]host[:port],...>', 'reach the host through this jump host (bastion), a chain comma-separated (default: direct, or ProxyJump from ~/.ssh/config)')
    .option('--host-key-fingerprint <SHA256:...>', 'trust an unknown host key only if it has this fingerprint')
    .option('--no-edit', 'stop if the host is already in the inventory (default: offer to edit it)')
    .option('--target <usb|iscsi>', 'backup target kind (default: usb; --disk implies usb, --iscsi-* imply iscsi)')
    .option('--disk <device>', 'the backup disk (/dev/disk/by-id/..., /dev/sdX or /dev/loopN)')
    .option('--format-confirm <serial-or-label>', 'erase a disk that holds data: its serial, or a filesystem label or UUID on it')
    .option('--no-adopt', 'format a disk that already holds linkdest\'s filesystem instead of adopting it')
    .option('--filesystem <fs>', 'ext4 (default), xfs or btrfs')
    .option('--mountpoint <path>', 'where the disk is mounted on the host', '/mnt/Backup')
    .option('--iscsi-portal <addr[:port]>', 'NAS address for iSCSI discovery, run from the host (no default)')
    .option('--iscsi-target <iqn>', 'iSCSI target name (default: the first one discovered, in name order)')
    .option('--iscsi-lun <n>', 'LUN number (default: the first disk LUN discovered; needed when the LUNs cannot be listed)')
    .option('--chap-user <user>', 'CHAP user (default: none; a target that requires CHAP needs it); checked on the NAS from the host')
    .option('--chap-password-file <file>', 'file holding the CHAP password (copied to a 0600 file beside the inventory)')
    .option('--source <path>', 'directory to back up, /path or host:/path (repeatable; default: /Apps /srv /etc /var/www when present)', collect)
    .option('--vm <domain>', 'libvirt VM to shut down during the backup (repeatable; default: none; needs virsh on the host)', collect)
    .option('--time <HH:MM>', 'daily backup time, or a systemd OnCalendar expression (default: 03:00)')
    .option('--keep-min <n>', 'always keep at least this many snapshots (default: 30)')
    .option('--min-free-before <size>', 'free space needed before a backup (default: 30G)')
    .option('--min-free-after <size>', 'free space to leave after a backup (default: 40G)')
    .option('--min-inodes-before <n>', 'free inodes needed before a backup (default: 100k)')
    .option('--min-inodes-after <n>', 'free inodes to leave after a backup (default: 300k)')
    .option('--mail-to <address>', 'mail reports to this address (default: no mail)')
    .option('--mail-from <address>', 'sender address (default: linkdest@NAME)')
    .option('--smtp-host <host>', 'SMTP server (no default: needed with --mail-to)')
    .option('--smtp-port <n>', 'SMTP port (default: 587 / 465 / 25 by security)')
    .option('--smtp-security <mode>', 'starttls (default), tls or none')
    .option('--smtp-user <user>', 'SMTP login user (default: none)')
    .option('--smtp-password-file <file>', 'file holding the SMTP password (copied to a 0600 file beside the inventory)')
    .option('--no-test-mail', 'do not send a test mail (default: send one from this machine; if it fails, --yes keeps the settings)')
    .option('--healthcheck-url <url>', 'URL pinged at every run (default: none)')
    .option('--no-webhook', 'no chat/alerting webhook (default: asked, no)')
    .option('--webhook-url-file <file>', 'file holding a chat/alerting webhook URL for runs with problems (copied to a 0600 file beside the inventory; default: none)')
    .option('--no-apply', 'write linkdest.yml and show the plan, but do not apply it (default: ask, --yes applies)')
    .option('--no-first-backup', 'do not run the first backup after applying (default: ask, --yes runs it)');
}

function secretFrom(file: string | undefined, flag: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new LinkdestError(`${flag} ${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { step: 'init', exitCode: EXIT.usage });
  }
}

/** --disk answers "USB or iSCSI?" too, as do the --iscsi-* flags: no one names a disk to then be asked its kind. */
function impliedTarget(f: InitFlags): string | undefined {
  const usb = f.disk !== undefined || f.formatConfirm !== undefined;
  const iscsi = f.iscsiPortal !== undefined || f.iscsiTarget !== undefined || f.iscsiLun !== undefined || f.chapUser !== undefined;
  return usb === iscsi ? undefined : usb ? 'usb' : 'iscsi';
}

/** Flags given on the command line, by question id. `explicit` tells negatable flags given from defaults. */
export function presetsFromFlags(f: InitFlags, explicit: (key: keyof InitFlags) => boolean): Record<string, Answer | undefined> {
  const retentionGiven = [f.keepMin, f.minFreeBefore, f.minFreeAfter, f.minInodesBefore, f.minInodesAfter].some((v) => v !== undefined);
  const bool = (key: keyof InitFlags): boolean | undefined => (explicit(key) ? Boolean(f[key]) : undefined);
  return {
    host: f.host, name: f.name, user: f.user, port: f.port, identity: f.identity, jump: f.jump, edit: bool('edit'),
    target: f.target ?? impliedTarget(f), disk: f.disk, 'format-confirm': f.formatConfirm, adopt: bool('adopt'), filesystem: f.filesystem,
    'iscsi-portal': f.iscsiPortal, 'iscsi-target': f.iscsiTarget, 'iscsi-lun': f.iscsiLun,
    chap: f.chapUser !== undefined ? true : undefined, 'chap-user': f.chapUser, 'chap-password': secretFrom(f.chapPasswordFile, '--chap-password-file'),
    vm: f.vm,
    time: f.time, 'keep-retention': retentionGiven ? false : undefined,
    'keep-min': f.keepMin, 'min-free-before': f.minFreeBefore, 'min-free-after': f.minFreeAfter,
    'min-inodes-before': f.minInodesBefore, 'min-inodes-after': f.minInodesAfter,
    'mail-to': f.mailTo, 'mail-from': f.mailFrom, 'smtp-host': f.smtpHost, 'smtp-port': f.smtpPort,
    'smtp-security': f.smtpSecurity, 'smtp-user': f.smtpUser, 'smtp-password': secretFrom(f.smtpPasswordFile, '--smtp-password-file'),
    'test-mail': bool('testMail'), 'healthcheck-url': f.healthcheckUrl,
    webhook: f.webhookUrlFile !== undefined ? true : bool('webhook'), 'webhook-url': secretFrom(f.webhookUrlFile, '--webhook-url-file'), apply: bool('apply'), 'first-backup': bool('firstBackup'),
  };
}
