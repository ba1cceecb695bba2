/**
 * The frame of a single-host command (snapshots, history, restore, diff, logs): -i, a HOST
 * argument, one connection, output to stdout; tests pass their own runtime location and sink.
 */
import type { Command } from 'commander';
import type { Transport } from '../transport/transport.ts';
import type { HostSpec } from '../../inventory/host-spec.ts';
import { withHost, type HostCommandOptions } from './host-target.ts';
import { INSTALLED_RUNTIME, type RuntimeLocation } from './remote.ts';

export interface HostCommandDeps {
  runtime?: RuntimeLocation;
  write?: (text: string) => void;
}

export interface HostCall {
  t: Transport;
  spec: HostSpec;
  loc: RuntimeLocation;
  write: (text: string) => void;
}

export function addInventoryOption(cmd: Command): Command {
  return cmd.option('-i, --inventory <file>', 'inventory file', './linkdest.yml');
}

export async function onHost<T>(opts: HostCommandOptions, host: string, deps: HostCommandDeps, fn: (c: HostCall) => Promise<T>): Promise<T> {
  const write = deps.write ?? ((s: string) => { process.stdout.write(s); });
  return withHost(opts, host, (t, spec) => fn({ t, spec, loc: deps.runtime ?? INSTALLED_RUNTIME, write }));
}

export const debugOf = (program: Command): boolean => program.opts().debug === true;
