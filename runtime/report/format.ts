/**
 * The mail report in plain words: subject and body per style (rbme MAILSTYLE).
 * all: summary and the full log, every night; report: the summary, every night;
 * errors: summary and full log, only when the run did not end ok.
 */
import { basename } from 'node:path';
import type { RuntimeConfig } from '../config.ts';
import type { RunResult, RunStatus, SpaceInfo } from '../run-result.ts';
import { formatBytes } from '../size.ts';
import { sourceResultLine } from '../source-result.ts';
import { diskLines } from '../disks/report-lines.ts';

export type MailStyle = NonNullable<RuntimeConfig['report']['mail']>['style'];

export interface MailContent {
  subject: string;
  text: string;
}

const STATUS_WORD: Record<RunStatus, string> = { ok: 'ok', warning: 'WARNING', failed: 'FAILED', skipped: 'SKIPPED' };

export function shouldMail(style: MailStyle, status: RunStatus): boolean {
  return style !== 'errors' || status !== 'ok';
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local time as the admin reads it in the inbox: 2026-11-26 03:00. */
export function formatLocalMinute(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formatSubject(r: RunResult): string {
  return `linkdest ${r.host} ${r.name}: ${STATUS_WORD[r.status]} (${formatLocalMinute(r.startedAt)})`;
}

/** 3725000 ms -> "1 h 2 min 5 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 ? `${ms} ms` : `${s} s`;
  const parts = [[Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'min'], [s % 60, 's']] as const;
  return parts.filter(([v]) => v > 0).map(([v, u]) => `${v} ${u}`).join(' ');
}

const count = (n: number): string => n.toLocaleString('en-US');

function space(label: string, s: SpaceInfo | undefined): string[] {
  if (!s) return [];
  return [`Free ${label}: ${formatBytes(s.freeBytes)} of ${formatBytes(s.totalBytes)}, ${count(s.freeInodes)} of ${count(s.totalInodes)} inodes`];
}

export function formatSummary(r: RunResult): string {
  const lines: string[] = [
    `Backup ${r.name} on ${r.host}: ${STATUS_WORD[r.status]}`,
    `Started ${r.startedAt}, finished ${r.finishedAt}, took ${formatDuration(r.durationMs)}`,
  ];
  if (r.snapshot) lines.push(`Snapshot: ${r.snapshot}`);
  for (const l of diskLines(r)) lines.push(l.charAt(0).toUpperCase() + l.slice(1));
  for (const e of r.errors) lines.push(`Error: ${e}`);
  for (const w of r.warnings) lines.push(`Warning: ${w}`);
  if (r.stats) {
    const s = r.stats;
    lines.push(
      `Files: ${count(s.files)} in the snapshot, ${formatBytes(s.bytesTotal)} in total`,
      `Transferred: ${count(s.filesTransferred)} files, ${formatBytes(s.bytesTransferred)}`,
      `Linked to the previous snapshot: ${count(s.filesLinked)} files, ${formatBytes(s.bytesLinked)}`,
    );
  }
  if (r.sources && r.sources.length > 0) {
    lines.push('Sources:');
    for (const x of r.sources) lines.push(`  ${sourceResultLine(x)}`);
  }
  lines.push(...space('before', r.spaceBefore), ...space('after', r.spaceAfter));
  if (r.pruned.length === 0) lines.push('Pruned: none');
  else {
    lines.push(`Pruned: ${r.pruned.length} snapshot${r.pruned.length === 1 ? '' : 's'}`);
    for (const p of r.pruned) lines.push(`  ${p.name} (${p.reason}, ${formatDuration(p.ms)})`);
  }
  const suspect = r.suspectSnapshots ?? [];
  lines.push(`Snapshots kept: ${r.snapshotCount}${suspect.length > 0 ? ` (suspect: ${suspect.join(', ')}; see \`linkdest snapshots\`)` : ''}`);
  for (const vm of r.vms) {
    const did = [vm.stopped ? 'stopped' : vm.wasRunning ? 'not stopped' : vm.warning ? 'left as it was' : 'was not running', vm.restarted ? 'restarted' : '']
      .filter(Boolean).join(', ');
    lines.push(`VM ${vm.domain}: was ${vm.initialState}, ${did}${vm.error ? ` (error: ${vm.error})` : ''}`);
  }
  if (r.logFile) lines.push(`Log file: ${r.logFile}`);
  return lines.join('\n');
}

/**
 * The run in one paragraph, for chat (webhook): the summary's first line, the snapshot, time,
 * space added and the first problem.
 */
export function formatParagraph(r: RunResult): string {
  const facts = [r.snapshot ? `Snapshot ${basename(r.snapshot)}` : 'No snapshot written', `took ${formatDuration(r.durationMs)}`];
  if (r.stats) facts.push(`${formatBytes(r.stats.bytesUsed ?? r.stats.bytesTransferred)} added`);
  if (r.disks) facts.push(r.disks.used ? `on disk ${r.disks.used}` : 'no enrolled disk attached');
  const problems = [...r.errors.map((e) => `Error: ${e}`), ...r.warnings.map((w) => `Warning: ${w}`)];
  const more = problems.length - 1;
  const first = problems.length === 0 ? '' : ` ${problems[0]}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}`;
  return `Backup ${r.name} on ${r.host}: ${STATUS_WORD[r.status]}. ${facts.join(', ')}.${first}`;
}

export function formatMail(r: RunResult, style: MailStyle, logText: string): MailContent {
  const summary = formatSummary(r);
  const text = style === 'report' ? `${summary}\n` : `${summary}\n\nFull log:\n${logText.replace(/\n?$/, '\n')}`;
  return { subject: formatSubject(r), text };
}
