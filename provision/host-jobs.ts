/**
 * The per-host jobs that `plan` and `apply` hand to the fleet: connect and plan one host,
 * then apply that plan over the same connection. Connections stay open between the two
 * phases (a no-op reconcile costs one handshake and the fact round trips, nothing more)
 * and are all closed by the pool at the end, whatever happened.
 */
import type { HostSpec } from '../inventory/host-spec.ts';
import type { Transport } from './transport/transport.ts';
import { openTransport } from './transport/connect.ts';
import { planHost, type HostPlan } from './plan.ts';
import { applyHost, type ApplyEvent, type ApplyResult } from './apply.ts';
import type { HostJob, HostJobContext } from './fleet.ts';
import { SourceLocks } from './pull/source-resource.ts';

export type { ApplyResult };

export interface PlannedHost {
  spec: HostSpec;
  transport: Transport;
  plan: HostPlan;
}

export interface JobOptions {
  debug?: boolean;
  /** Serial or UUID of a disk the user allows to be formatted over existing data. */
  formatConfirm?: string;
  /** Backup hosts whose pull key is rotated (apply --rotate-pull-key). */
  rotatePullKey?: readonly string[];
}

/** Every transport opened during a command, so all get closed and their history counted. */
export class TransportPool {
  private readonly byHost = new Map<string, Transport>();
  private readonly sources = new Map<string, Promise<Transport>>();
  /** One lock per source host, shared by every backup host of this command. */
  readonly sourceLocks = new SourceLocks();

  async open(spec: HostSpec, opts: JobOptions): Promise<Transport> {
    const t = await openTransport(spec, { debug: opts.debug ?? false });
    this.byHost.set(spec.name, t);
    await t.connect();
    return t;
  }

  /** A source host of pulled sources: one connection however many backup hosts pull from it. */
  openSource(spec: HostSpec, opts: JobOptions): Promise<Transport> {
    let t = this.sources.get(spec.name);
    if (t === undefined) {
      t = (async () => {
        const tr = await openTransport(spec, { debug: opts.debug ?? false });
        this.byHost.set(`source:${spec.name}`, tr);
        await tr.connect();
        return tr;
      })();
      this.sources.set(spec.name, t);
    }
    return t;
  }

  /** Commands run on a host so far (all phases); undefined when it was never opened. */
  commands(host: string): { total: number; mutating: number } | undefined {
    const t = this.byHost.get(host);
    if (t === undefined) return undefined;
    return { total: t.history.length, mutating: t.history.filter((r) => r.mutating).length };
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.byHost.values()].map((t) => t.close()));
  }
}

export function planJob(pool: TransportPool, opts: JobOptions): HostJob<HostSpec, PlannedHost> {
  return async (spec, ctx) => {
    ctx.step('connect');
    const transport = await pool.open(spec, opts);
    ctx.step('plan');
    const plan = await planHost(spec, transport, {
      ...(opts.formatConfirm === undefined ? {} : { formatConfirm: opts.formatConfirm }),
      openSource: (s) => pool.openSource(s, opts),
      sourceLocks: pool.sourceLocks,
      rotatePullKey: opts.rotatePullKey?.includes(spec.name) ?? false,
    });
    for (const change of plan.changes) ctx.change(change);
    return { changed: plan.changes.length > 0, value: { spec, transport, plan } };
  };
}

/** applyHost progress as fleet events; a failure arrives as the job's exception instead. */
function forwardApplyEvent(e: ApplyEvent, ctx: HostJobContext): void {
  switch (e.type) {
    case 'start':
      // The change itself is shown once applied; the commands it runs arrive as log lines.
      break;
    case 'handler':
      ctx.step(e.step, e.summary);
      break;
    case 'log':
      ctx.step(e.step, e.line ?? e.summary);
      break;
    case 'applied':
      if (e.change !== undefined) ctx.change(e.change);
      break;
    case 'failed':
      break;
  }
}

export function applyJob(opts: JobOptions): HostJob<PlannedHost, ApplyResult> {
  return async ({ plan, transport }, ctx) => {
    ctx.step('apply');
    const result = await applyHost(plan, transport, {
      onEvent: (event) => forwardApplyEvent(event, ctx),
      ...(opts.formatConfirm === undefined ? {} : { formatConfirm: opts.formatConfirm }),
    });
    return { changed: plan.changes.length > 0, value: result };
  };
}
