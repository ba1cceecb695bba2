/**
 * `apply --rotate-pull-key HOST`, last step: after key-resource.ts made a new pair and each
 * source-resource.ts added the new key's line beside the old one, prove the new key from
 * the backup host (an rsync listing of each source's first path, as the runtime would pull
 * it), then make it the pull key and remove the old key's lines. A failed proof stops here:
 * the old key and its lines still work, the run is not left without a key.
 */
import { PULL_KEY, PULL_PUBLIC_KEY, pullRsh, type PullSource } from '../../inventory/pull-source.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import { shellQuoteArgv } from '../../runtime/engine/shell-quote.ts';
import type { Change } from '../resources/resource.ts';
import { mutate, type HostApplyContext, type HostResource } from '../resources/host-resource.ts';
import { NEW_PULL_KEY, NEW_PULL_PUBLIC_KEY, readPublicKey } from './key-resource.ts';
import type { SourceTrustResource } from './source-resource.ts';

/** The rsync a proof runs on the backup host: the runtime's remote shell, with the new key. */
export function proofArgv(source: PullSource, key: string): string[] {
  const rsh = pullRsh(source).map((w) => (w === PULL_KEY ? key : w));
  return ['rsync', '--list-only', '-d', '-e', shellQuoteArgv(rsh), `${source.name}:${source.paths[0]}/`];
}

export class RotatePullKeyResource implements HostResource {
  readonly id = 'pull:rotate';
  readonly query = {};

  constructor(private readonly host: string, private readonly sources: readonly { source: PullSource; resource: SourceTrustResource }[]) {}

  check(): Change[] {
    const names = this.sources.map((s) => s.source.name).join(', ');
    return [{ resource: this.id, action: 'run', summary: `prove the new pull key from ${this.host} on ${names}, then make it the pull key and remove the old key's lines` }];
  }

  async apply(_changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const { source } of this.sources) {
      ctx.log(`prove the new key on ${source.name}`);
      const r = await ctx.transport.run(proofArgv(source, NEW_PULL_KEY), { allowFailure: true, timeoutMs: 120_000 });
      if (r.code !== 0) {
        const why = r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`;
        throw new LinkdestError(`the new pull key does not work on ${source.name} (${why}); the old key is kept`, { host: this.host, step: this.id });
      }
    }
    await mutate(ctx, ['mv', '-f', '--', NEW_PULL_KEY, PULL_KEY]);
    await mutate(ctx, ['mv', '-f', '--', NEW_PULL_PUBLIC_KEY, PULL_PUBLIC_KEY]);
    const key = await readPublicKey(ctx, PULL_PUBLIC_KEY);
    if (key === undefined) throw new LinkdestError(`${PULL_PUBLIC_KEY} vanished during the rotation`, { host: this.host, step: this.id });
    for (const { source, resource } of this.sources) {
      await resource.setKeys({ ...ctx, log: (l) => ctx.log(`${source.name}: ${l}`) }, [key]);
    }
  }
}
