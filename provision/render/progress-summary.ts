/**
 * Terminal progress for large fleets, where a line per host no longer fits the screen: one
 * summary line with counts, redrawn in place at the bottom, and above it, printed once and
 * kept, every host that failed or was unreachable (as it happens) and, for apply, every
 * change made. At 200 hosts the screen shows the failures and where the run stands.
 */
import type { FleetEvent, HostStatus } from '../fleet.ts';
import { printable } from './printable.ts';
import type { ProgressOptions, ProgressRenderer } from './progress.ts';

const WORDS: Record<'plan' | 'apply', Record<HostStatus, string>> = {
  plan: { ok: 'in sync', changed: 'changes pending', failed: 'failed', unreachable: 'unreachable' },
  apply: { ok: 'unchanged', changed: 'changed', failed: 'failed', unreachable: 'unreachable' },
};

/** `plan: 137/200 done, 120 in sync, 15 changes pending, 1 failed, 1 unreachable, 63 running`. */
export function summaryLine(phase: 'plan' | 'apply', total: number, counts: Record<HostStatus, number>, running: number): string {
  const done = counts.ok + counts.changed + counts.failed + counts.unreachable;
  const parts = (Object.keys(WORDS[phase]) as HostStatus[]).map((s) => `${counts[s]} ${WORDS[phase][s]}`);
  return `${phase}: ${done}/${total} done, ${parts.join(', ')}, ${running} running`;
}

export function summaryRenderer(opts: ProgressOptions, lineOf: (e: FleetEvent) => string): ProgressRenderer {
  const phase = opts.phase ?? 'apply';
  const counts: Record<HostStatus, number> = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  let running = 0;
  let drawn = false;
  const cols = (): number => Math.max(opts.out.columns || 80, 20);
  const redraw = (kept: string[]): void => {
    const summary = summaryLine(phase, opts.hosts.length, counts, running).slice(0, cols() - 1);
    // Clear the old summary line, print kept lines above it, then the summary again.
    const clear = drawn ? '\x1b[1A\r\x1b[2K' : '';
    opts.out.write(`${clear}${kept.map((l) => `${l}\n`).join('')}${summary}\n`);
    drawn = true;
  };
  return {
    onEvent(e) {
      const kept: string[] = [];
      if (e.type === 'host-start') running++;
      else if (e.type === 'change' && opts.showChanges) kept.push(lineOf(e));
      else if (e.type === 'host-done') {
        running--;
        counts[e.status]++;
        if (e.status === 'failed' || e.status === 'unreachable') kept.push(lineOf(e));
      } else return;
      redraw(kept.map((l) => printable(l).replace(/\n/g, ' ')));
    },
    finish() {
      if (!drawn) redraw([]);
    },
  };
}
