/**
 * `pin SNAPSHOT [--note TEXT]` and `unpin SNAPSHOT` on the host. Both write the set, so they
 * hold the run lock (a run in progress: exit 75, nothing changed) and the set lock, like
 * every other writer. Only complete snapshots are pinned; a partial or one being deleted is
 * refused in one line. Both are idempotent (`changed` says whether anything was written);
 * `unpin` also removes the pin of a snapshot that is gone.
 */
import type { RuntimeConfig } from '../config.ts';
import { LinkdestError } from '../errors.ts';
import { DELETING_PREFIX, listSet, setDir } from '../layout.ts';
import { acquireSetLock } from '../lock.ts';
import type { Logger } from '../logger.ts';
import { checkNote, readPins, removePin, writePin, type Pin } from '../pins.ts';
import { withDestination } from './access.ts';
import { chooseSnapshot } from './select-snapshot.ts';

export interface PinOutcome extends Pin {
  snapshot: string;
  pinned: boolean;
  /** False when the snapshot already was as asked (pinned with that note, or not pinned). */
  changed: boolean;
}

async function withSet<T>(cfg: RuntimeConfig, what: string, log: Logger, fn: (dir: string) => Promise<T>): Promise<T> {
  return withDestination(cfg, { exclusive: true, what, log }, async () => {
    const lock = await acquireSetLock(cfg, log);
    try {
      return await fn(setDir(cfg));
    } finally {
      await lock.release();
    }
  });
}

export async function pinSnapshot(cfg: RuntimeConfig, id: string, note: string | undefined, log: Logger): Promise<PinOutcome> {
  const text = checkNote(note);
  return withSet(cfg, 'a pin', log, async (dir) => {
    const l = await listSet(dir);
    if (l.deleting.includes(`${DELETING_PREFIX}${id.trim()}`)) {
      throw new LinkdestError(`${id.trim()} is being deleted (an interrupted prune; the next run finishes it) and cannot be pinned`, { step: 'pin' });
    }
    const name = chooseSnapshot(l.complete, l.partials, { id });
    const old = (await readPins(dir)).get(name);
    if (old && (text === undefined || text === old.note)) return { snapshot: name, pinned: true, changed: false, ...old };
    const pin: Pin = { ...(text !== undefined ? { note: text } : old?.note !== undefined ? { note: old.note } : {}), pinnedAt: old?.pinnedAt ?? new Date().toISOString() };
    await writePin(dir, name, pin);
    log.info(`pinned ${name}${pin.note === undefined ? '' : ` (${pin.note})`}: no retention rule deletes it until it is unpinned`);
    return { snapshot: name, pinned: true, changed: true, ...pin };
  });
}

export async function unpinSnapshot(cfg: RuntimeConfig, id: string, log: Logger): Promise<PinOutcome> {
  return withSet(cfg, 'an unpin', log, async (dir) => {
    const l = await listSet(dir);
    const pins = await readPins(dir);
    // A pin whose snapshot is gone can still be removed by its name.
    const name = pins.has(id.trim()) ? id.trim() : chooseSnapshot(l.complete, l.partials, { id });
    if (!(await removePin(dir, name))) return { snapshot: name, pinned: false, changed: false };
    log.info(`unpinned ${name}: the retention rules apply to it again`);
    return { snapshot: name, pinned: false, changed: true };
  });
}
