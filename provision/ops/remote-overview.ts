/** One host's overview (runtime/ops/overview.ts) over its own connection: one round trip. */
import type { HostSpec } from '../../inventory/host-spec.ts';
import type { Overview } from '../../runtime/ops/overview.ts';
import { openTransport } from '../transport/connect.ts';
import { runtimeArgv, runtimeFailure, type RuntimeLocation } from './remote.ts';

export async function overviewOf(spec: HostSpec, loc: RuntimeLocation, debug: boolean): Promise<Overview> {
  const t = openTransport(spec, { debug });
  try {
    await t.connect();
    const r = await t.run(runtimeArgv(loc, 'overview', ['--json']), { allowFailure: true });
    // Exit 1 with a document means "snapshots unreadable": the rest of the row still counts.
    if (r.stdout.trimStart().startsWith('{')) return JSON.parse(r.stdout) as Overview;
    throw runtimeFailure(spec.name, 'overview', r, loc);
  } finally {
    await t.close();
  }
}
