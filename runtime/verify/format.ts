/**
 * How a deep verify reads to a person: one block per damaged file, then a summary line.
 */
import { formatBytes } from '../size.ts';
import type { DeepVerifyReport, Mismatch } from './deep.ts';

export function formatMismatch(m: Mismatch): string[] {
  const lines = [`MISMATCH ${m.path} in ${m.snapshot}: ${m.problem}${m.inode ? ` (inode ${m.inode})` : ''}`];
  if (m.actual) lines.push(`  expected ${m.algorithm} ${m.expected}, read ${m.actual}`);
  if (m.sharedBy.length > 0) lines.push(`  the same damaged ${m.inode ? 'inode' : 'entry'} is in ${m.sharedBy.length} snapshot(s): ${m.sharedBy.join(', ')}`);
  if (!m.intactCopy) lines.push('  no intact copy in any snapshot');
  else lines.push(`  restore from ${m.intactCopy.snapshot}: ${m.intactCopy.file} (${m.intactCopy.sameContent ? 'same content, intact' : 'an older version of the file, intact'})`);
  return lines;
}

export function formatSummary(r: DeepVerifyReport): string {
  const sample = r.sample ? `, sample ${r.sample.bucket + 1}/${r.sample.buckets} (${r.skippedBySample} files left for other runs)` : '';
  const none = r.withoutManifest.length > 0 ? `; ${r.withoutManifest.length} snapshot(s) without a manifest (made before manifests existed), not checked: ${r.withoutManifest.join(', ')}` : '';
  return `verified ${r.files} files in ${r.snapshots.length} snapshot(s): ${r.inodesRead} inodes read once each (${formatBytes(r.bytesRead)})${sample}; ${r.mismatches.length === 0 ? 'no mismatch' : `${r.mismatches.length} mismatch(es)`}${none}`;
}
