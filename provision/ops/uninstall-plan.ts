/**
 * What `linkdest uninstall` removes and what it keeps. Pure: built from which files exist on
 * the host and its runtime config. The backup disk, its mount definition (units or fstab
 * line), every snapshot, the logs and the state are always kept; the config only goes with
 * --purge-config.
 */
import type { RuntimeConfig } from '../../runtime/config.ts';
import { CONFIG_PATH, CRON_PATH, RUNTIME_PATH, SERVICE_PATH, TIMER_PATH, VERIFY_CRON_PATH, VERIFY_SERVICE_PATH, VERIFY_TIMER_PATH } from '../resources/schedule.ts';
import { SMTP_PASSWORD_PATH, WEBHOOK_URL_PATH } from '../recipe.ts';
import { PULL_KEY, PULL_KNOWN_HOSTS, PULL_PUBLIC_KEY } from '../../inventory/pull-source.ts';

export interface HostFiles {
  systemd: boolean;
  /** Paths among the candidates that exist on the host. */
  present: Set<string>;
  config?: RuntimeConfig;
}

export interface UninstallPlan {
  /** argv run in order; failures of the systemctl ones are tolerated (unit may be gone). */
  commands: { argv: string[]; tolerate: boolean }[];
  removed: string[];
  kept: string[];
}

/**
 * What --purge-config removes: the config and every secret file apply deploys (the SMTP
 * password, the webhook URL with its token). A unit test builds a recipe with every secret
 * and checks that each of its files under /etc/linkdest is listed here.
 */
export const CONFIG_FILES = [CONFIG_PATH, SMTP_PASSWORD_PATH, WEBHOOK_URL_PATH, PULL_KEY, PULL_PUBLIC_KEY, PULL_KNOWN_HOSTS];

export const CANDIDATES = [SERVICE_PATH, TIMER_PATH, CRON_PATH, VERIFY_SERVICE_PATH, VERIFY_TIMER_PATH, VERIFY_CRON_PATH, RUNTIME_PATH, ...CONFIG_FILES];

export function uninstallPlan(h: HostFiles, purgeConfig: boolean): UninstallPlan {
  const commands: UninstallPlan['commands'] = [];
  const removed: string[] = [];
  const rm = (path: string): void => {
    if (!h.present.has(path)) return;
    commands.push({ argv: ['rm', '-f', '--', path], tolerate: false });
    removed.push(path);
  };
  const units = h.present.has(TIMER_PATH) || h.present.has(SERVICE_PATH);
  const verifyUnits = h.present.has(VERIFY_TIMER_PATH) || h.present.has(VERIFY_SERVICE_PATH);
  if (h.systemd && units) commands.push({ argv: ['systemctl', 'disable', '--now', 'linkdest.timer'], tolerate: true });
  if (h.systemd && verifyUnits) commands.push({ argv: ['systemctl', 'disable', '--now', 'linkdest-verify.timer'], tolerate: true });
  rm(TIMER_PATH);
  rm(SERVICE_PATH);
  rm(VERIFY_TIMER_PATH);
  rm(VERIFY_SERVICE_PATH);
  if (h.systemd && (units || verifyUnits)) {
    commands.push({ argv: ['systemctl', 'daemon-reload'], tolerate: false });
    commands.push({ argv: ['systemctl', 'reset-failed', ...(units ? ['linkdest.service', 'linkdest.timer'] : []), ...(verifyUnits ? ['linkdest-verify.service', 'linkdest-verify.timer'] : [])], tolerate: true });
  }
  rm(CRON_PATH);
  rm(VERIFY_CRON_PATH);
  rm(RUNTIME_PATH);
  if (h.present.has(RUNTIME_PATH)) commands.push({ argv: ['rmdir', '--ignore-fail-on-non-empty', '/usr/local/lib/linkdest'], tolerate: true });
  const kept: string[] = [];
  if (purgeConfig) {
    for (const p of CONFIG_FILES) rm(p);
    commands.push({ argv: ['rmdir', '--ignore-fail-on-non-empty', '/etc/linkdest'], tolerate: true });
  } else {
    for (const p of CONFIG_FILES) if (h.present.has(p)) kept.push(`${p} (use --purge-config to remove it)`);
  }
  const c = h.config;
  if (c) {
    kept.push(`every snapshot in ${c.destination.path}/${c.name ?? '<host name>'} and the backup disk itself`);
    const m = c.destination.mount;
    if (m.kind === 'systemd') kept.push(`the mount definition ${m.unit} (and its .automount, if any)`);
    if (m.kind === 'fstab') kept.push(`the /etc/fstab line for ${c.destination.path}`);
    const iscsi = c.destination.iscsi;
    if (iscsi) {
      kept.push(`the iSCSI node record of ${iscsi.target} in /etc/iscsi, with its CHAP secret if any `
        + `(the disk's login; once the disk is retired: iscsiadm -m node -T ${iscsi.target} -o delete)`);
    }
    kept.push(`run logs in ${c.log.dir}`, `state in ${c.state_dir}`);
  } else {
    kept.push('the backup disk, its mount definition and every snapshot (config unreadable: not inspected)');
  }
  return { commands, removed, kept };
}
