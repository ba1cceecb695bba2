/**
 * A resource is one thing a backup host must have (a partition, a unit file, the runtime
 * bundle...). `check` is pure: from the facts gathered in one round trip it lists the
 * changes needed; an empty list means "in sync". `apply` runs only what those changes name.
 */
import type { Transport } from '../transport/transport.ts';

export type ChangeAction = 'create' | 'update' | 'delete' | 'run';

export type Handler = 'daemon-reload' | 'restart-iscsid';

export interface FileDiff {
  path: string;
  /** Content before (undefined: file absent). Secrets already masked. */
  before?: string;
  /** Content after (undefined: file removed). Secrets already masked. */
  after?: string;
}

export interface Change {
  /** Resource id, e.g. `file:/etc/linkdest/linkdest.json`, `mount:/mnt/Backup`. */
  resource: string;
  action: ChangeAction;
  /** One line for people: "create ext4 filesystem labelled linkdest on /dev/loop3p1". */
  summary: string;
  diff?: FileDiff;
  /** Handlers to run once after all changes that ask for them (e.g. daemon-reload). */
  notify?: Handler[];
  /** Resource-private data apply() needs (never shown to users). */
  data?: unknown;
}

export interface ApplyContext {
  transport: Transport;
  /** Progress lines for the renderer ("formatting /dev/loop3p1"). */
  log(line: string): void;
}

export interface Resource<Facts = unknown> {
  readonly id: string;
  check(facts: Facts): Change[];
  apply(changes: Change[], ctx: ApplyContext): Promise<void>;
}
