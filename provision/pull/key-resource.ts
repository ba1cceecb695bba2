/**
 * The pull key pair on the backup host: ed25519, generated there by ssh-keygen, private
 * half 0600 root in /etc/linkdest (0700). The control machine asks only for the public
 * half (a file fact); nothing here reads, hashes or copies the private key.
 * With --rotate-pull-key a second pair is generated beside it (`.new`); rotate-resource.ts
 * makes it the pull key once it has been seen to work.
 */
import { PULL_KEY, PULL_PUBLIC_KEY } from '../../inventory/pull-source.ts';
import type { Facts } from '../facts/types.ts';
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from '../resources/resource.ts';
import { mutate, type HostApplyContext, type HostResource } from '../resources/host-resource.ts';

export const NEW_PULL_KEY = `${PULL_KEY}.new`;
export const NEW_PULL_PUBLIC_KEY = `${NEW_PULL_KEY}.pub`;

/** $1 key path, $2 comment. A half-made pair (one file of the two) is made again. */
const KEYGEN_SCRIPT = 'set -e; umask 077; mkdir -p -m 0700 "${1%/*}"; rm -f -- "$1" "$1.pub"; '
  + 'ssh-keygen -q -t ed25519 -N "" -C "$2" -f "$1" </dev/null; chmod 0600 "$1"; chmod 0644 "$1.pub"';

export function keygenArgv(path: string, host: string): string[] {
  return ['sh', '-c', KEYGEN_SCRIPT, 'linkdest-keygen', path, `linkdest-pull@${host}`];
}

export class PullKeyResource implements HostResource {
  readonly id = 'pull:key';
  readonly query = { files: [{ path: PULL_PUBLIC_KEY }] };

  constructor(private readonly host: string, private readonly rotate: boolean) {}

  check(facts: Facts): Change[] {
    if (facts.files[PULL_PUBLIC_KEY]?.exists !== true) {
      return [{ resource: this.id, action: 'create', summary: `generate the pull key ${PULL_KEY} on ${this.host} (ed25519, root only; only its public half leaves the host)`, data: { path: PULL_KEY } }];
    }
    if (this.rotate) {
      return [{ resource: this.id, action: 'create', summary: `generate a new pull key ${NEW_PULL_KEY} on ${this.host}; the old one works until the new one is proven`, data: { path: NEW_PULL_KEY } }];
    }
    return [];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const path = (c.data as { path: string }).path;
      try {
        await mutate(ctx, keygenArgv(path, this.host));
      } catch (e) {
        throw new LinkdestError(`cannot generate the pull key: ${(e as Error).message.split('\n')[0]} (is openssh-client installed?)`, { host: ctx.host, step: this.id, cause: e });
      }
    }
  }
}

/** The public half as one `type blob` line, read from the backup host; undefined when absent. */
export async function readPublicKey(ctx: HostApplyContext, path: string): Promise<string | undefined> {
  const b = await ctx.transport.getFile(path);
  return b === undefined ? undefined : b.toString('utf8').trim();
}
