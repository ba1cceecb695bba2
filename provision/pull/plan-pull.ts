/**
 * The pull trust of one backup host, planned beside its other resources: the key pair on
 * the backup host, the source hosts' keys in its /etc/linkdest/known_hosts, and each
 * source host's side. Source hosts are reached by the control machine over the same
 * transport as backup hosts, with their host keys checked against the control machine's
 * known_hosts; the key each one offered (and passed that check) is what the backup host
 * is given, so the backup host never learns a key on first use.
 */
import type { HostSpec } from '../../inventory/host-spec.ts';
import { PULL_KNOWN_HOSTS, PULL_PUBLIC_KEY, pullLogin, type PullSource } from '../../inventory/pull-source.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import type { Facts } from '../facts/types.ts';
import type { HostResource } from '../resources/host-resource.ts';
import { FileResource } from '../resources/file.ts';
import type { Transport } from '../transport/transport.ts';
import { keyTypeOfBlob, knownHostName } from '../transport/known-hosts.ts';
import { PullKeyResource } from './key-resource.ts';
import { RotatePullKeyResource } from './rotate-resource.ts';
import { gatherSourceFacts } from './source-facts.ts';
import { SourceLocks, SourceTrustResource } from './source-resource.ts';

export type OpenSource = (spec: HostSpec) => Promise<Transport>;

export interface PullPlanOptions {
  openSource: OpenSource;
  rotate: boolean;
  locks: SourceLocks;
}

/** The facts query of the backup host's side, merged into its one gather run. */
export const pullQuery = { files: [{ path: PULL_PUBLIC_KEY }, { path: PULL_KNOWN_HOSTS }] };

/** A source host as a HostSpec the transport can open (only the connection settings matter). */
export function sourceHostSpec(backup: HostSpec, s: PullSource): HostSpec {
  return {
    name: s.name, groups: [], connection: 'ssh', ssh: s.ssh, become: s.become, install_packages: false,
    mountpoint: '/', mount: 'static', marker: '', schedule: '', runtime: backup.runtime, origin: backup.origin,
  };
}

/** One known_hosts line per source host, as OpenSSH looks it up for HostName ADDRESS and -p PORT. */
export function knownHostsContent(keys: readonly { source: PullSource; key: Buffer }[]): string {
  return keys.map(({ source, key }) => `${knownHostName(source.address, source.port)} ${keyTypeOfBlob(key)} ${key.toString('base64')}\n`).join('');
}

export interface PullPlan {
  resources: HostResource[];
  /** One line per source host: whether the trust is in place. */
  notes: string[];
}

export async function planPull(spec: HostSpec, facts: Facts, o: PullPlanOptions): Promise<PullPlan> {
  const sources = spec.pull ?? [];
  const publicKey = facts.files[PULL_PUBLIC_KEY]?.exists ? facts.files[PULL_PUBLIC_KEY]?.content?.trim() : undefined;
  const keys: { source: PullSource; key: Buffer }[] = [];
  const trust: { source: PullSource; resource: SourceTrustResource }[] = [];
  for (const source of sources) {
    const step = `pull:${source.name}`;
    let t: Transport;
    try {
      t = await o.openSource(sourceHostSpec(spec, source));
    } catch (e) {
      throw new LinkdestError(`source host ${source.name}: ${(e as Error).message.split('\n')[0]}`, { host: spec.name, step, cause: e });
    }
    const offered = (t as { offeredHostKey?: Buffer }).offeredHostKey;
    if (offered === undefined) throw new LinkdestError(`source host ${source.name}: no verified host key (is it reached over ssh?)`, { host: spec.name, step });
    keys.push({ source, key: offered });
    const sf = await gatherSourceFacts(t, pullLogin(source));
    const resource = new SourceTrustResource({
      backupHost: spec.name, source, transport: t, facts: sf, rotating: o.rotate && publicKey !== undefined, locks: o.locks,
      ...(publicKey !== undefined && { publicKey }),
    });
    trust.push({ source, resource });
  }
  const rotate = o.rotate && publicKey !== undefined;
  const notes = trust.map(({ source, resource }) => `pull from ${source.name} (${pullLogin(source)}@${source.address}:${source.port} ${source.paths.join(' ')}): ${resource.inPlace() ? 'trust in place' : 'apply sets up the trust'}`);
  const resources: HostResource[] = [
    new PullKeyResource(spec.name, rotate),
    new FileResource({ path: PULL_KNOWN_HOSTS, mode: 0o644 }, knownHostsContent(keys)),
    ...trust.map((s) => s.resource),
    ...(rotate ? [new RotatePullKeyResource(spec.name, trust)] : []),
  ];
  if (o.rotate && publicKey === undefined) notes.push(`${spec.name} has no pull key yet: apply generates one, there is nothing to rotate`);
  return { resources, notes };
}
