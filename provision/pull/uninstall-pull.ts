/**
 * `linkdest uninstall HOST` on the source hosts HOST pulls from: the lines of HOST's pull
 * key leave each authorized_keys, every other byte stays. The check script and a
 * source_user's sudoers rule stay too (other backup hosts may use them; docs/pull.md).
 */
import type { HostSpec } from '../../inventory/host-spec.ts';
import { pullLogin, type PullSource } from '../../inventory/pull-source.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { openTransport } from '../transport/connect.ts';
import { managedLines, pullMarker, withManagedLines } from './authorized-keys.ts';
import { sourceHostSpec } from './plan-pull.ts';
import { gatherSourceFacts } from './source-facts.ts';

/** Removes HOST's lines on one source host; returns the number removed. */
export async function removePullLines(spec: HostSpec, source: PullSource, debug = false): Promise<number> {
  const t = openTransport(sourceHostSpec(spec, source), { debug });
  try {
    await t.connect();
    const f = await gatherSourceFacts(t, pullLogin(source));
    const marker = pullMarker(spec.name);
    let removed = 0;
    // root's file too: a line left from pulling as root before source_user was set.
    for (const path of [f.authorizedKeys, ...(f.rootAuthorizedKeys ? [f.rootAuthorizedKeys] : [])]) {
      const fact = f.facts.files[path];
      const before = (await t.getFile(path))?.toString('utf8');
      if (before === undefined || fact === undefined) continue;
      const n = managedLines(before, marker).length;
      if (n === 0) continue;
      await t.putFile(path, withManagedLines(before, marker, []), { mode: fact.mode ?? 0o600, ...(fact.owner && { owner: fact.owner }), ...(fact.group && { group: fact.group }) });
      removed += n;
    }
    return removed;
  } catch (e) {
    if (e instanceof LinkdestError && e.host !== undefined) throw e;
    throw new LinkdestError(`source host ${source.name}: ${(e as Error).message.split('\n')[0]}`, { host: spec.name, step: 'uninstall', cause: e });
  } finally {
    await t.close();
  }
}
