/**
 * `accept SNAPSHOT` on the host: the admin says a suspect snapshot's shrink was meant (the
 * data was deleted on purpose), so it counts as a good snapshot again: the next runs link
 * against it and compare with it, keep_min counts it, pruning resumes. Holds the run and set
 * locks like pin. Only a suspect snapshot can be accepted; accepting one twice changes nothing.
 */
import type { RuntimeConfig } from '../config.ts';
import { LinkdestError } from '../errors.ts';
import { listSet, setDir } from '../layout.ts';
import { acquireSetLock } from '../lock.ts';
import type { Logger } from '../logger.ts';
import { readAccepted, writeAccepted } from '../accepted.ts';
import { suspectSnapshots } from '../suspect.ts';
import { withDestination } from './access.ts';
import { chooseSnapshot } from './select-snapshot.ts';

export interface AcceptOutcome {
  snapshot: string;
  /** False when it was accepted already. */
  changed: boolean;
  /** What the guard had found. */
  reasons: string[];
}

export async function acceptSnapshot(cfg: RuntimeConfig, id: string, log: Logger): Promise<AcceptOutcome> {
  return withDestination(cfg, { exclusive: true, what: 'an accept', log }, async () => {
    const lock = await acquireSetLock(cfg, log);
    try {
      const dir = setDir(cfg);
      const l = await listSet(dir);
      const name = chooseSnapshot(l.complete, l.partials, { id });
      if ((await readAccepted(dir)).has(name)) return { snapshot: name, changed: false, reasons: [] };
      const reasons = (await suspectSnapshots(dir, [name])).get(name);
      if (!reasons) throw new LinkdestError(`${name} is not suspect: nothing to accept`, { step: 'accept' });
      await writeAccepted(dir, name);
      log.info(`accepted ${name}: it counts as a good snapshot from now on (${reasons.join('; ')})`);
      return { snapshot: name, changed: true, reasons };
    } finally {
      await lock.release();
    }
  });
}
