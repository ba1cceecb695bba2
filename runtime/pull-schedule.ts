/**
 * Which sources may be copied now, given what is copying and what is done. The rules, in
 * one place (docs/runtime.md, "Pulling several sources"):
 *
 * - Sources are grouped by machine: every local source is on this machine; `user@host:/p`
 *   is on `host` (case folded; `marte` and its address are two machines to us, since the
 *   runtime cannot tell they are one). A machine's sources are copied one after the other,
 *   in copy order: two rsyncs reading the same disks over the same link are slower than
 *   one after the other, and a source host's sshd MaxStartups or a forced-command key
 *   may refuse a second connection.
 * - Different machines are copied at the same time, at most `pull.parallel` at once.
 * - Nested sources keep their rule (nested-sources.ts): an inner source starts only once
 *   every source it lies inside has finished (copied or failed), whatever their machines.
 * - Among the sources allowed to start, copy order decides (outer first, then as configured).
 */
import { sourceSubdir } from './layout.ts';
import { copyOrder } from './nested-sources.ts';

/** The machine a source is read on: `` for this one, else the host of `[user@]host:/path`. */
export function machineOf(source: string): string {
  const m = /^(?:[^\s/:@]+@)?([^\s/:@]+):\//.exec(source);
  return m ? m[1]!.toLowerCase() : '';
}

const inside = (outer: string, inner: string): boolean => outer === '' ? inner !== '' : inner.startsWith(`${outer}/`);

export interface ScheduleState {
  /** Indices of sources being copied now. */
  running: readonly number[];
  /** Indices of sources finished (copied or failed). */
  done: readonly number[];
}

/** Indices of the sources to start now, in the order to start them. */
export function sourcesToStart(sources: readonly string[], parallel: number, state: ScheduleState): number[] {
  const subs = sources.map((s) => sourceSubdir(s));
  const busy = new Set(state.running.map((i) => machineOf(sources[i]!)));
  const finished = new Set(state.done);
  const started = new Set([...state.running, ...state.done]);
  const start: number[] = [];
  let slots = parallel - state.running.length;
  for (const i of copyOrder(sources)) {
    if (slots <= 0) break;
    if (started.has(i)) continue;
    const machine = machineOf(sources[i]!);
    if (busy.has(machine)) continue;
    // Every outer source must be finished, not only started.
    if (subs.some((o, j) => j !== i && inside(o, subs[i]!) && !finished.has(j))) continue;
    start.push(i);
    busy.add(machine);
    slots--;
  }
  return start;
}
