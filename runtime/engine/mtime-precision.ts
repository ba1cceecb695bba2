/**
 * Whether rsync may compare mtimes to the nanosecond (`--modify-window=-1`). By default its
 * quick check compares whole seconds, so a file rewritten with the same size within the
 * second of its previous copy would be hard-linked to that stale copy: a silently wrong
 * backup. Nanoseconds are compared only when both hold: rsync >= 3.1.3 on this host (the
 * receiver; older ones do not know a negative window) and a destination filesystem that
 * stores nanoseconds (ext4 with 128-byte inodes, FAT and many network filesystems do not;
 * there every previous copy would look changed and every file would be copied every night).
 */
import { join } from 'node:path';
import { lstat, rm, utimes, writeFile } from 'node:fs/promises';
import { lastLine, run } from '../exec.ts';

/** "rsync  version 3.2.7  protocol version 31" -> does it take --modify-window=-1? */
export function rsyncTakesNegativeWindow(versionText: string): boolean {
  const m = /version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  if (!m) return false;
  const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return maj > 3 || (maj === 3 && (min > 1 || (min === 1 && pat >= 3)));
}

/** Writes a probe into `dir` with a known sub-second mtime and reads it back. */
export async function keepsNanoseconds(dir: string): Promise<boolean> {
  const probe = join(dir, `.linkdest-mtime-probe-${process.pid}`);
  try {
    await writeFile(probe, '');
    // 0.25 s is exact in binary floating point, so utimes sets exactly 250000000 ns.
    await utimes(probe, 1_700_000_000.25, 1_700_000_000.25);
    const st = await lstat(probe, { bigint: true });
    return st.mtimeNs % 1_000_000_000n === 250_000_000n;
  } finally {
    await rm(probe, { force: true });
  }
}

export interface MtimePrecision {
  nanoseconds: boolean;
  /** Why not, for the log. */
  reason?: string;
}

export async function mtimePrecision(dest: string): Promise<MtimePrecision> {
  const v = await run(['rsync', '--version']);
  if (v.code !== 0) return { nanoseconds: false, reason: `rsync --version failed: ${lastLine(v)}` };
  if (!rsyncTakesNegativeWindow(v.stdout)) {
    return { nanoseconds: false, reason: `rsync on this host is older than 3.1.3 (${v.stdout.split('\n')[0]?.trim() ?? 'no version'})` };
  }
  if (!(await keepsNanoseconds(dest))) return { nanoseconds: false, reason: 'the backup filesystem stores whole-second mtimes only' };
  return { nanoseconds: true };
}
