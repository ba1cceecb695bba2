/**
 * planHost: what one host needs, without changing it. Builds the recipe, gathers the facts
 * every resource asks for in ONE run of the gather script, then asks each resource, in
 * order, what it would change. Resources that depend on earlier changes (filesystem after
 * partition, marker after mount) plan from the same facts and re-read at apply time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LinkdestError } from '../runtime/errors.ts';
import type { HostSpec } from '../inventory/host-spec.ts';
import type { Transport } from './transport/transport.ts';
import type { Change } from './resources/resource.ts';
import type { HostResource } from './resources/host-resource.ts';
import type { Facts } from './facts/types.ts';
import { mergeQueries } from './facts/types.ts';
import { gatherFacts } from './facts/gather.ts';
import { buildRecipe } from './recipe.ts';
import { decideMount, type MountKind } from './mount-kind.ts';
import { gatherHostFacts } from './iscsi/wiring.ts';
import type { RuntimeConfig } from '../runtime/config.ts';
import { planPull, pullQuery, type OpenSource } from './pull/plan-pull.ts';
import { SourceLocks } from './pull/source-resource.ts';

export const DEFAULT_BUNDLE = fileURLToPath(new URL('../dist/linkdest-runtime.mjs', import.meta.url));

export interface PlanOptions {
  /** Serial or filesystem uuid of a non-blank disk the user allows to be formatted. */
  formatConfirm?: string;
  /** The runtime bundle, as content or a path; default dist/linkdest-runtime.mjs. */
  runtimeBundle?: Buffer | string;
  /** Connects to a source host of a pulled source (docs/pull.md); needed when the host pulls from one. */
  openSource?: OpenSource;
  /** --rotate-pull-key: a new pull key, proven on every source host before the old one goes. */
  rotatePullKey?: boolean;
  /** Shared by every host of one apply: edits of one source host's authorized_keys never interleave. */
  sourceLocks?: SourceLocks;
}

export interface HostPlan {
  host: string;
  changes: Change[];
  /** Lines that explain a choice made from the facts (which mount kind, and why). */
  notes: string[];
  /** Lines shown even when in sync: per source host, whether the pull trust is in place. */
  status: string[];
  facts: Facts;
  resources: HostResource[];
  /** The /etc/linkdest/linkdest.json this host gets. */
  config: RuntimeConfig;
}

/**
 * The bundle is read once per command, not once per host: every host's plan (kept until its
 * apply) holds the same Buffer. Read per host, 200 hosts held 200 copies of 1.4 MB.
 */
const bundles = new Map<string, Buffer>();

export function loadBundle(spec: HostSpec, source: Buffer | string | undefined): Buffer {
  if (Buffer.isBuffer(source)) return source;
  const path = source ?? DEFAULT_BUNDLE;
  try {
    let b = bundles.get(path);
    if (b === undefined) bundles.set(path, (b = readFileSync(path)));
    return b;
  } catch {
    throw new LinkdestError(`runtime bundle ${path} not found; run \`npm run build\` first`, { host: spec.name, step: 'plan' });
  }
}

/** A resource's error gets the host and, when it has none, the resource as its step. */
function withHost(e: unknown, host: string, step: string): unknown {
  if (e instanceof LinkdestError && e.host === undefined) {
    return new LinkdestError(e.message, { host, step: e.step ?? step, exitCode: e.exitCode, cause: e });
  }
  return e;
}

export async function planHost(spec: HostSpec, transport: Transport, opts: PlanOptions = {}): Promise<HostPlan> {
  const inputs = {
    runtimeBundle: loadBundle(spec, opts.runtimeBundle),
    ...(opts.formatConfirm !== undefined ? { formatConfirm: opts.formatConfirm } : {}),
  };
  // An unset `mount` is decided by the facts (mount-kind.ts): every kind's questions go into
  // the one round trip, then the facts choose. A set one is checked against the same facts.
  const wanted = spec.mountDefaulted === true ? undefined : spec.mount;
  // Rotation disks are mounted by the runtime by uuid: no unit or fstab line to choose.
  const unitMounted = spec.disk !== undefined && spec.disk.target.kind !== 'rotation';
  const kinds: MountKind[] = unitMounted && wanted === undefined ? ['automount', 'static', 'fstab'] : [spec.mount];
  const recipes = kinds.map((mount) => ({ mount, recipe: buildRecipe({ ...spec, mount }, inputs) }));
  const asked = recipes.flatMap((r) => r.recipe.resources);
  const pulls = spec.pull !== undefined && spec.pull.length > 0;
  let facts: Facts;
  try {
    facts = await gatherHostFacts(transport, asked, () => gatherFacts(transport, mergeQueries([...asked.map((r) => r.query), ...(pulls ? [pullQuery] : [])])));
  } catch (e) {
    throw withHost(e, spec.name, 'facts');
  }
  const notes: string[] = [];
  let mount = spec.mount;
  if (unitMounted) {
    const decided = decideMount(wanted, facts);
    if (!decided.ok) throw new LinkdestError(decided.error, { host: spec.name, step: 'mount' });
    mount = decided.kind;
    if (decided.note !== undefined) notes.push(decided.note);
  }
  const { resources: recipeResources, config } = recipes.find((r) => r.mount === mount)!.recipe;
  const resources = [...recipeResources];
  const status: string[] = [];
  if (pulls) {
    if (opts.openSource === undefined) throw new LinkdestError('this host pulls from other machines, which this command cannot reach', { host: spec.name, step: 'pull' });
    const pull = await planPull(spec, facts, { openSource: opts.openSource, rotate: opts.rotatePullKey === true, locks: opts.sourceLocks ?? new SourceLocks() })
      .catch((e: unknown) => { throw withHost(e, spec.name, 'pull'); });
    resources.push(...pull.resources);
    status.push(...pull.notes);
  }
  const changes: Change[] = [];
  for (const r of resources) {
    try {
      changes.push(...r.check(facts));
    } catch (e) {
      throw withHost(e, spec.name, r.id);
    }
  }
  return { host: spec.name, changes, notes, status, facts, resources, config };
}
