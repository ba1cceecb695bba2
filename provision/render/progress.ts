/**
 * Live per-host progress from fleet events. On a terminal: one line per host, redrawn in
 * place as hosts move through their steps; for more than LIVE_BLOCK_MAX hosts a summary
 * line with counts instead, failures listed as they happen. Elsewhere (CI logs, pipes):
 * plain lines, each prefixed with the host so parallel hosts stay readable (for a large
 * fleet only changes and each host's end, not every step).
 */
import type { FleetEvent, HostStatus } from '../fleet.ts';
import { maskSecrets } from './mask.ts';
import { printable } from './printable.ts';
import { formatDuration } from './summary.ts';
import { summaryRenderer } from './progress-summary.ts';

/** Up to this many hosts a terminal shows a line per host; beyond it, a summary line (progress-summary.ts). */
export const LIVE_BLOCK_MAX = 12;

export interface TextSink {
  write(text: string): unknown;
  /** Terminal width, when the sink is a TTY. */
  columns?: number;
}

export interface ProgressRenderer {
  onEvent(event: FleetEvent): void;
  /** Leave the cursor below the progress block. */
  finish(): void;
}

export interface ProgressOptions {
  out: TextSink;
  tty: boolean;
  /** Host order of the live block. */
  hosts: readonly string[];
  /** Print each change as it happens (apply); plan prints them afterwards in full. */
  showChanges?: boolean;
  /** In the plan phase "changed" means "changes pending": say so. */
  phase?: 'plan' | 'apply';
}

const SIGN = { create: '+', update: '~', delete: '-', run: '>' } as const;

const PLAN_WORDS: Partial<Record<HostStatus, string>> = { ok: 'in sync', changed: 'changes pending' };

function doneText(status: HostStatus, durationMs: number, phase: 'plan' | 'apply', step?: string, error?: string): string {
  const why = error === undefined ? '' : `: ${step === undefined ? '' : `${step}: `}${error}`;
  const word = (phase === 'plan' ? PLAN_WORDS[status] : undefined) ?? status;
  return `${word} (${formatDuration(durationMs)})${why}`;
}

function eventText(e: FleetEvent, phase: 'plan' | 'apply'): string {
  switch (e.type) {
    case 'host-start':
      return 'starting';
    case 'step':
      return e.detail === undefined ? `${e.step}...` : `${e.step}: ${maskSecrets(e.detail)}`;
    case 'change':
      return `${SIGN[e.change.action]} ${maskSecrets(e.change.summary)}`;
    case 'host-done':
      return doneText(e.status, e.durationMs, phase, e.step, e.error);
  }
}

function plainRenderer(opts: ProgressOptions): ProgressRenderer {
  // A large fleet's logs keep what matters per host: its changes and how it ended.
  const large = opts.hosts.length > LIVE_BLOCK_MAX;
  return {
    onEvent(e) {
      if (e.type === 'change' && !opts.showChanges) return;
      if (e.type === 'host-start' || (large && e.type === 'step')) return;
      opts.out.write(`${e.host}: ${printable(eventText(e, opts.phase ?? 'apply')).replace(/\n/g, ' ')}\n`);
    },
    finish() {},
  };
}

function liveRenderer(opts: ProgressOptions): ProgressRenderer {
  const lines = new Map<string, string>(opts.hosts.map((h) => [h, 'waiting']));
  const width = Math.max(...opts.hosts.map((h) => h.length), 1);
  let drawn = 0;
  const draw = (): void => {
    // A pseudo-terminal may report 0 columns: assume 80 then.
    const cols = Math.max(opts.out.columns || 80, 20);
    // Lines longer than the terminal wrap and break the cursor-up arithmetic: cut them.
    const text = [...lines].map(([h, s]) => `\x1b[2K${`${h.padEnd(width)}  ${s}`.slice(0, cols - 1)}`);
    opts.out.write(`${drawn > 0 ? `\x1b[${drawn}A\r` : ''}${text.join('\n')}\n`);
    drawn = text.length;
  };
  return {
    onEvent(e) {
      if (e.type === 'change' && !opts.showChanges) return;
      lines.set(e.host, printable(eventText(e, opts.phase ?? 'apply')).replace(/\n/g, ' '));
      draw();
    },
    finish() {
      if (drawn === 0 && lines.size > 0) draw();
    },
  };
}

export function createProgressRenderer(opts: ProgressOptions): ProgressRenderer {
  if (!opts.tty) return plainRenderer(opts);
  if (opts.hosts.length > LIVE_BLOCK_MAX) return summaryRenderer(opts, (e) => `${e.host}: ${eventText(e, opts.phase ?? 'apply')}`);
  return liveRenderer(opts);
}
