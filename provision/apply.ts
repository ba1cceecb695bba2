/**
 * applyHost: carries out a HostPlan in order. Each resource gets only its own changes;
 * handlers (daemon-reload) run once, when a resource first needs them (before a unit is
 * started) or at the end; progress goes out as events. A converged plan has no changes,
 * so nothing here runs and the host sees no mutating command.
 */
import { LinkdestError } from '../runtime/errors.ts';
import type { Transport } from './transport/transport.ts';
import type { Change, Handler } from './resources/resource.ts';
import type { HostApplyContext } from './resources/host-resource.ts';
import type { HostPlan } from './plan.ts';

export type ApplyStatus = 'running' | 'ok' | 'failed';

export interface ApplyEvent {
  type: 'start' | 'applied' | 'failed' | 'log' | 'handler';
  host: string;
  resource: string;
  summary: string;
  status: ApplyStatus;
  /** The change, on `applied` events. */
  change?: Change;
  /** Progress line, on `log` events. */
  line?: string;
  /** For renderers that show steps. */
  step: string;
}

export interface ApplyOptions {
  onEvent?: (event: ApplyEvent) => void;
  /** Serial or filesystem uuid of a non-blank disk the user allows to be formatted. */
  formatConfirm?: string;
}

export interface ApplyResult {
  host: string;
  applied: Change[];
  handlers: Handler[];
}

const HANDLER_ARGV: Record<Handler, string[]> = {
  'daemon-reload': ['systemctl', 'daemon-reload'],
  'restart-iscsid': ['systemctl', 'restart', 'iscsid.service'],
};

export async function applyHost(plan: HostPlan, transport: Transport, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const emit = opts.onEvent ?? (() => {});
  const host = plan.host;
  const pending = new Set<Handler>();
  const ran: Handler[] = [];
  const applied: Change[] = [];
  let current = '';

  const flushHandlers = async (): Promise<void> => {
    for (const h of [...pending]) {
      pending.delete(h);
      if (h === 'daemon-reload' && !plan.facts.systemd) continue;
      emit({ type: 'handler', host, resource: h, summary: HANDLER_ARGV[h].join(' '), status: 'running', step: 'handlers' });
      await transport.run(HANDLER_ARGV[h], { mutating: true });
      ran.push(h);
    }
  };
  const ctx: HostApplyContext = {
    transport,
    host,
    disk: {},
    flushHandlers,
    log: (line) => emit({ type: 'log', host, resource: current, summary: line, status: 'running', line, step: current }),
    ...(opts.formatConfirm !== undefined ? { formatConfirm: opts.formatConfirm } : {}),
  };

  for (const resource of plan.resources) {
    const changes = plan.changes.filter((c) => c.resource === resource.id);
    if (changes.length === 0) continue;
    current = resource.id;
    const summary = changes.map((c) => c.summary).join('; ');
    emit({ type: 'start', host, resource: resource.id, summary, status: 'running', step: resource.id });
    try {
      await resource.apply(changes, ctx);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      emit({ type: 'failed', host, resource: resource.id, summary: message, status: 'failed', step: resource.id });
      if (e instanceof LinkdestError && e.host !== undefined) throw e;
      throw new LinkdestError(message.split('\n')[0]!, { host, step: resource.id, cause: e });
    }
    for (const c of changes) {
      for (const h of c.notify ?? []) pending.add(h);
      applied.push(c);
      emit({ type: 'applied', host, resource: resource.id, summary: c.summary, status: 'ok', change: c, step: resource.id });
    }
  }
  current = 'handlers';
  await flushHandlers();
  return { host, applied, handlers: ran };
}
