/** Rotation lines of a run's log and report: the disk used and why, and disks attached without enrolment. */
import type { RunResult } from '../run-result.ts';

export function diskLines(r: Pick<RunResult, 'disks'>): string[] {
  if (!r.disks) return [];
  const out = [`disk: ${r.disks.used ?? 'none'}${r.disks.reason ? ` (${r.disks.reason})` : ''}`];
  for (const u of r.disks.unknown) out.push(`attached but not enrolled, not written to: ${u}`);
  return out;
}
