/**
 * The shape every resource of a backup host takes here: a Resource over Facts that also
 * says what it needs inspected (merged into the one gather run), and whose apply gets a
 * context that knows the host, the user's format confirmation, and how to run pending
 * handlers early (a unit must be daemon-reloaded before it is started).
 */
import type { ApplyContext, Change, Resource } from './resource.ts';
import type { FactQuery, Facts } from '../facts/types.ts';

export interface HostApplyContext extends ApplyContext {
  host: string;
  /** Serial or filesystem uuid the user named with --format-confirm. */
  formatConfirm?: string;
  /** Run the handlers notified so far (daemon-reload), once, before starting units. */
  flushHandlers(): Promise<void>;
  /**
   * Filled in during apply: the partition resource names the partition it just created
   * (only that one is formatted without confirmation), the filesystem resource the device
   * and uuid that mount units and marker read.
   */
  disk: { createdPartition?: string; fsDevice?: string; uuid?: string };
}

export interface HostResource extends Resource<Facts> {
  /** What check() reads from the host; gathered once for all resources. */
  readonly query: Partial<FactQuery>;
  apply(changes: Change[], ctx: HostApplyContext): Promise<void>;
}

/** A run that changes the host: recorded as mutating so idempotence tests can count it. */
export async function mutate(ctx: ApplyContext, argv: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<void> {
  ctx.log(argv.join(' '));
  await ctx.transport.run(argv, { ...opts, mutating: true });
}
