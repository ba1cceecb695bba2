/**
 * Who may read the snapshots on the backup host. Snapshots keep old modes (a key that was
 * 0644 for a day stays readable for months) and, with --numeric-ids, files pulled from
 * another machine belong to whoever has that uid here. So the backup root (the mount point)
 * and each snapshot set are 0700 root, or 0750 with `backup_group` for restore operators;
 * every run repairs the modes of what exists (a set made 0755 by an older linkdest).
 */
import { chmod, chown, stat } from 'node:fs/promises';
import { run } from './exec.ts';
import type { Logger } from './logger.ts';

export interface AccessRule {
  mode: number;
  /** Group to own the directory (backup_group), when one is configured and exists. */
  gid?: number;
  group?: string;
}

/** What must change on a directory to meet the rule (pure). */
export function accessRepair(current: { mode: number; gid: number }, rule: AccessRule): { mode?: number; gid?: number } {
  const mode = current.mode & 0o7777;
  return {
    ...(mode !== rule.mode && { mode: rule.mode }),
    ...(rule.gid !== undefined && current.gid !== rule.gid && { gid: rule.gid }),
  };
}

/** The rule for `backup_group`; a group this host does not know falls back to 0700 with a warning. */
export async function accessRule(group: string | undefined): Promise<{ rule: AccessRule; warning?: string }> {
  if (group === undefined) return { rule: { mode: 0o700 } };
  const r = await run(['getent', 'group', group]);
  const gid = r.code === 0 ? Number(r.stdout.split(':')[2]) : NaN;
  if (!Number.isInteger(gid)) return { rule: { mode: 0o700 }, warning: `backup_group ${group}: no such group on this host; the snapshots stay readable by root only (0700)` };
  return { rule: { mode: 0o750, gid, group } };
}

const octal = (m: number): string => `0${m.toString(8)}`;

/** Applies the rule to each directory (root: also the group); logs what it repaired. */
export async function enforceAccess(dirs: string[], rule: AccessRule, log: Logger): Promise<void> {
  const root = process.getuid?.() === 0;
  for (const dir of dirs) {
    const s = await stat(dir);
    const fix = accessRepair({ mode: s.mode, gid: s.gid }, root ? rule : { mode: rule.mode });
    if (fix.gid !== undefined) await chown(dir, -1, fix.gid);
    // chown may clear set-id bits; the mode goes last.
    if (fix.mode !== undefined || fix.gid !== undefined) await chmod(dir, rule.mode);
    if (fix.mode !== undefined || fix.gid !== undefined) {
      log.info(`${dir}: mode ${octal(s.mode & 0o7777)}, now ${octal(rule.mode)}${rule.group && root ? ` group ${rule.group}` : ''} (${rule.mode === 0o700 ? 'only root reads the snapshots' : 'root and the backup group read the snapshots'})`);
    }
  }
}
