/**
 * What the runtime needs on the host: rsync and Node >= 18, plus the tools the disk steps
 * use. Installed with the host's own package manager only when the inventory allows it;
 * otherwise one line saying exactly what to install.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { Change } from './resource.ts';
import type { Facts, PackageManager } from '../facts/types.ts';
import { mutate, type HostApplyContext, type HostResource } from './host-resource.ts';
import { lastLine } from '../transport/exec-transport.ts';

export const MIN_NODE_MAJOR = 18;

type Need = 'rsync' | 'nodejs' | 'parted' | 'e2fsprogs' | 'xfsprogs' | 'btrfs-progs';

const GENTOO: Record<Need, string> = {
  rsync: 'net-misc/rsync', nodejs: 'net-libs/nodejs', parted: 'sys-block/parted',
  e2fsprogs: 'sys-fs/e2fsprogs', xfsprogs: 'sys-fs/xfsprogs', 'btrfs-progs': 'sys-fs/btrfs-progs',
};

export function packageName(pm: PackageManager, need: Need): string {
  if (pm === 'emerge') return GENTOO[need];
  return need;
}

export function installArgv(pm: PackageManager, names: string[]): string[] {
  switch (pm) {
    case 'apt': return ['apt-get', 'install', '-y', '--no-install-recommends', '--', ...names];
    case 'dnf': return ['dnf', 'install', '-y', '--', ...names];
    case 'zypper': return ['zypper', '--non-interactive', 'install', '--', ...names];
    case 'pacman': return ['pacman', '-S', '--noconfirm', '--needed', '--', ...names];
    case 'apk': return ['apk', 'add', '--', ...names];
    case 'emerge': return ['emerge', '--noreplace', '--', ...names];
  }
}

export interface PackagesSpec {
  install: boolean;
  /** Filesystem the disk steps create, or undefined when the host has no disk to set up. */
  fstype?: 'ext4' | 'xfs' | 'btrfs';
}

export function missingPackages(facts: Facts, spec: PackagesSpec): Need[] {
  const missing: Need[] = [];
  if (facts.commands.rsync === undefined) missing.push('rsync');
  if (facts.node === undefined) missing.push('nodejs');
  if (spec.fstype !== undefined) {
    if (facts.commands.parted === undefined) missing.push('parted');
    const mkfs: Record<string, Need> = { ext4: 'e2fsprogs', xfs: 'xfsprogs', btrfs: 'btrfs-progs' };
    if (facts.commands[`mkfs.${spec.fstype}`] === undefined) missing.push(mkfs[spec.fstype]!);
  }
  return missing;
}

export class PackagesResource implements HostResource {
  readonly id = 'packages';
  readonly query = {};

  constructor(private readonly spec: PackagesSpec) {}

  check(facts: Facts): Change[] {
    const major = Number(facts.node?.version.split('.')[0] ?? NaN);
    if (facts.node !== undefined && major < MIN_NODE_MAJOR) {
      throw new LinkdestError(`node ${facts.node.version} at ${facts.node.path} is too old; the runtime needs Node >= ${MIN_NODE_MAJOR}`, { step: 'packages' });
    }
    const missing = missingPackages(facts, this.spec);
    if (missing.length === 0) return [];
    const pm = facts.packageManager;
    const names = missing.map((n) => (pm ? packageName(pm, n) : n));
    if (!this.spec.install || pm === undefined) {
      const how = pm ? installArgv(pm, names).join(' ') : `install ${names.join(', ')}`;
      const why = pm ? 'or set install_packages: true' : '(no known package manager found)';
      throw new LinkdestError(`missing ${names.join(', ')}${missing.includes('nodejs') ? ` (Node >= ${MIN_NODE_MAJOR})` : ''}: run \`${how}\` ${why}`, { step: 'packages' });
    }
    return [{ resource: this.id, action: 'create', summary: `install ${names.join(', ')} with ${pm}`, data: installArgv(pm, names) }];
  }

  async apply(changes: Change[], ctx: HostApplyContext): Promise<void> {
    for (const c of changes) {
      const argv = c.data as string[];
      if (argv[0] === 'apt-get') await installWithApt(argv, ctx);
      else await mutate(ctx, argv, { timeoutMs: INSTALL_TIMEOUT_MS });
    }
  }
}

const INSTALL_TIMEOUT_MS = 30 * 60_000;
/** No prompt (debconf, conffiles) may wait for an answer nobody can give over SSH. */
export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };

/**
 * apt-get install as it is; only when that fails (package lists missing, as on a fresh
 * image, or stale, naming files the mirror no longer has) `apt-get update` and once more.
 * A host that can install from its lists never needs its mirror reachable. An update that
 * fails (one unreachable source among several) is no reason to stop: the second install says
 * whether it mattered.
 */
async function installWithApt(argv: string[], ctx: HostApplyContext): Promise<void> {
  const run = (a: string[], timeoutMs: number) => {
    ctx.log(a.join(' '));
    return ctx.transport.run(a, { mutating: true, allowFailure: true, timeoutMs, env: APT_ENV });
  };
  if ((await run(argv, INSTALL_TIMEOUT_MS)).code === 0) return;
  const update = await run(['apt-get', 'update'], 10 * 60_000);
  const second = await run(argv, INSTALL_TIMEOUT_MS);
  if (second.code === 0) return;
  const why = lastLine(second.stderr) || lastLine(second.stdout) || `exit code ${second.code}`;
  const updateNote = update.code === 0 ? '' : ` (apt-get update failed too: ${lastLine(update.stderr) || `exit code ${update.code}`})`;
  throw new LinkdestError(`${argv.join(' ')} failed: ${why}${updateNote}`, { host: ctx.host, step: 'packages' });
}
