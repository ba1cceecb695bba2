/**
 * open-iscsi (iscsiadm, iscsid) on the host, installed with its own package manager when
 * the inventory allows it; otherwise one line saying what to install.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { PackageManager } from '../facts/types.ts';
import type { Change } from './resource.ts';
import { mutate, type HostApplyContext } from './host-resource.ts';
import { installArgv } from './packages.ts';
import { iscsiFactsOf, type IscsiHostFacts } from '../iscsi/spec.ts';
import { IscsiResource } from './iscsi-resource.ts';

const OPEN_ISCSI: Record<PackageManager, string> = {
  apt: 'open-iscsi', dnf: 'iscsi-initiator-utils', zypper: 'open-iscsi', pacman: 'open-iscsi', apk: 'open-iscsi', emerge: 'sys-block/open-iscsi',
};

export class IscsiPackageResource extends IscsiResource {
  readonly id = 'iscsi:package';

  check(facts: IscsiHostFacts): Change[] {
    if (iscsiFactsOf(facts, this.spec.host).commands.iscsiadm !== undefined) return [];
    const pm = facts.packageManager;
    if (!this.spec.install || pm === undefined) {
      const how = pm ? installArgv(pm, [OPEN_ISCSI[pm]]).join(' ') : 'apt install open-iscsi';
      throw new LinkdestError(`iscsiadm is missing: install open-iscsi (\`${how}\`)${pm ? ' or set install_packages: true' : ''}`, { host: this.spec.host, step: 'iscsi' });
    }
    return [{ resource: this.id, action: 'create', summary: `install ${OPEN_ISCSI[pm]} with ${pm}`, data: installArgv(pm, [OPEN_ISCSI[pm]]) }];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const argv = c.data as string[];
      if (argv[0] === 'apt-get') await mutate(ctx, ['apt-get', 'update'], { timeoutMs: 10 * 60_000 });
      ctx.log(argv.join(' '));
      await ctx.transport.run(argv, { mutating: true, timeoutMs: 30 * 60_000, env: { DEBIAN_FRONTEND: 'noninteractive' } });
    }
  }
}
