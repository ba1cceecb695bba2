/**
 * Which snapshot a restore, history or diff reads: `--snapshot ID` exactly, or the newest
 * complete snapshot taken at or before `--at`, or the newest of all. Partial snapshots are
 * never chosen: an interrupted copy is missing files and must not be restored from.
 */
import { LinkdestError, EXIT } from '../errors.ts';
import { LATEST, PARTIAL_SUFFIX, parseStamp, stampOf } from '../layout.ts';

const usage = (message: string): LinkdestError => new LinkdestError(message, { step: 'snapshot', exitCode: EXIT.usage });

/**
 * `2026-11-24` (the end of that day: that day's nightly snapshot is included),
 * `2026-11-24 14:30[:05]`, `2026-11-24T14:30`, or a snapshot name. Local time of the host.
 */
export function parseAt(text: string): Date {
  const t = text.trim();
  const stamp = parseStamp(t);
  if (stamp) return stamp;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T_](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(t);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const dayOnly = m[4] === undefined;
    const date = dayOnly ? new Date(y, mo - 1, d, 23, 59, 59) : new Date(y, mo - 1, d, Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
    if (date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d && (dayOnly || date.getHours() === Number(m[4]))) return date;
  }
  throw usage(`--at ${JSON.stringify(text)}: expected a date like 2026-11-24 or 2026-11-24 14:30`);
}

export interface Selection {
  at?: Date;
  /** A snapshot name, or `latest`. */
  id?: string;
}

/** `complete` oldest first, as layout.listSet returns it. Throws a one-line error naming what exists. */
export function chooseSnapshot(complete: readonly string[], partials: readonly string[], sel: Selection): string {
  if (complete.length === 0) {
    throw new LinkdestError(`there is no complete snapshot yet${partials.length > 0 ? ` (only the partial ${partials.join(', ')})` : ''}`, { step: 'snapshot' });
  }
  const range = `snapshots go from ${complete[0]} to ${complete[complete.length - 1]}`;
  if (sel.id !== undefined && sel.at !== undefined) throw usage('give either --snapshot or --at, not both');
  if (sel.id !== undefined) {
    const id = sel.id.trim();
    if (id === LATEST) return complete[complete.length - 1]!;
    if (id.endsWith(PARTIAL_SUFFIX) || partials.includes(`${id}${PARTIAL_SUFFIX}`)) {
      throw new LinkdestError(`${id} is a partial snapshot (an interrupted run); it is incomplete and never restored from. ${range}`, { step: 'snapshot' });
    }
    if (!complete.includes(id)) throw usage(`no snapshot ${JSON.stringify(id)}; ${range} (list them with: linkdest snapshots HOST)`);
    return id;
  }
  if (sel.at === undefined) return complete[complete.length - 1]!;
  const limit = sel.at.getTime();
  let chosen: string | undefined;
  for (const name of complete) if ((parseStamp(name)?.getTime() ?? Infinity) <= limit) chosen = name;
  if (!chosen) throw new LinkdestError(`no snapshot at or before ${stampOf(sel.at)}; ${range}`, { step: 'snapshot' });
  return chosen;
}
