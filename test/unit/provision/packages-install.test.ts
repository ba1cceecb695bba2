/**
 * What the packages resource runs or says, per package manager: the install argv (never a
 * prompt, never a shell string), the distribution's package names, and the one-line error
 * naming the command to run when installing is not allowed.
 */
import { expect, test } from 'vitest';
import type { PackageManager } from '../../../provision/facts/types.ts';
import { APT_ENV, PackagesResource, installArgv, packageName } from '../../../provision/resources/packages.ts';
import { makeFacts } from '../provision/make-facts.ts';

test.each<[PackageManager, string[]]>([
  ['apt', ['apt-get', 'install', '-y', '--no-install-recommends', '--', 'rsync', 'nodejs']],
  ['dnf', ['dnf', 'install', '-y', '--', 'rsync', 'nodejs']],
  ['zypper', ['zypper', '--non-interactive', 'install', '--', 'rsync', 'nodejs']],
  ['pacman', ['pacman', '-S', '--noconfirm', '--needed', '--', 'rsync', 'nodejs']],
  ['apk', ['apk', 'add', '--', 'rsync', 'nodejs']],
  ['emerge', ['emerge', '--noreplace', '--', 'net-misc/rsync', 'net-libs/nodejs']],
])('%s installs rsync and node without asking', (pm, argv) => {
  expect(installArgv(pm, [packageName(pm, 'rsync'), packageName(pm, 'nodejs')])).toEqual(argv);
});

test('apt runs without debconf prompts', () => {
  expect(APT_ENV).toEqual({ DEBIAN_FRONTEND: 'noninteractive' });
});

const noRsync = makeFacts({ commands: { node: '/usr/bin/node', parted: '/usr/sbin/parted', 'mkfs.ext4': '/usr/sbin/mkfs.ext4' } });

test.each<[string, PackageManager | undefined, RegExp]>([
  ['apt', 'apt', /^missing rsync: run `apt-get install -y --no-install-recommends -- rsync` or set install_packages: true$/],
  ['dnf', 'dnf', /^missing rsync: run `dnf install -y -- rsync` or set install_packages: true$/],
  ['gentoo', 'emerge', /^missing net-misc\/rsync: run `emerge --noreplace -- net-misc\/rsync`/],
  ['no known package manager', undefined, /^missing rsync: run `install rsync` \(no known package manager found\)$/],
])('install_packages: false on %s: one line saying what to install', (_name, pm, message) => {
  const facts = { ...noRsync, ...(pm === undefined ? {} : { packageManager: pm }) };
  if (pm === undefined) delete facts.packageManager;
  expect(() => new PackagesResource({ install: false, fstype: 'ext4' }).check(facts)).toThrow(message);
});

test('install_packages: true: one change carrying the argv apply will run', () => {
  const [change, ...rest] = new PackagesResource({ install: true, fstype: 'ext4' }).check(noRsync);
  expect(rest).toEqual([]);
  expect(change).toMatchObject({ summary: 'install rsync with apt', data: installArgv('apt', ['rsync']) });
});

/** Exit codes apt gives, in order; records what ran (argv and env) like a host would see it. */
function scriptedHost(codes: number[], stderr = 'E: Unable to locate package rsync') {
  const ran: { argv: readonly string[]; env?: Record<string, string> }[] = [];
  const transport = {
    name: 'h', history: [], connect: async () => {}, close: async () => {}, putFile: async () => {}, getFile: async () => undefined,
    run: async (argv: readonly string[], opts: { env?: Record<string, string> } = {}) => {
      ran.push({ argv, ...(opts.env ? { env: opts.env } : {}) });
      const code = codes.shift() ?? 0;
      return { stdout: '', stderr: code === 0 ? '' : stderr, code };
    },
  };
  const ctx = { transport, host: 'h', log: () => {}, flushHandlers: async () => {}, disk: {} };
  return { ran, ctx };
}

const INSTALL = installArgv('apt', ['rsync']);
const UPDATE = ['apt-get', 'update'];

test.each<[string, number[], string[][]]>([
  ['installable from the lists it has: no update at all', [0], [INSTALL]],
  ['lists missing or stale: update, then install again', [100, 0, 0], [INSTALL, UPDATE, INSTALL]],
  ['update fails for one source but the retry works', [100, 100, 0], [INSTALL, UPDATE, INSTALL]],
])('apt: %s', async (_name, codes, expected) => {
  const { ran, ctx } = scriptedHost(codes);
  const [change] = new PackagesResource({ install: true, fstype: 'ext4' }).check(noRsync);
  await new PackagesResource({ install: true }).apply([change!], ctx);
  expect(ran.map((r) => r.argv)).toEqual(expected);
  expect(ran.every((r) => r.env?.DEBIAN_FRONTEND === 'noninteractive')).toBe(true);
});

test('apt: still failing after an update is one line with apt\'s own reason', async () => {
  const { ctx } = scriptedHost([100, 100, 100]);
  const [change] = new PackagesResource({ install: true }).check(noRsync);
  await expect(new PackagesResource({ install: true }).apply([change!], ctx)).rejects.toThrow(
    /^apt-get install -y --no-install-recommends -- rsync failed: E: Unable to locate package rsync \(apt-get update failed too: E: Unable/,
  );
});
