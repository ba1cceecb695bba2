/**
 * What the runtime needs on this host before it touches anything: rsync. Checked in one
 * place, the same way, at the start of `linkdest snapshot` (the demo) and of every nightly
 * run: when rsync is missing the answer is one line naming it and the command that installs
 * it, given before any directory, partial, prune or VM is touched.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Package managers in the order they are looked for, with the command that installs rsync. */
const INSTALLERS: readonly [string, string][] = [
  ['apt-get', 'apt-get install rsync'],
  ['dnf', 'dnf install rsync'],
  ['yum', 'yum install rsync'],
  ['zypper', 'zypper install rsync'],
  ['pacman', 'pacman -S rsync'],
  ['apk', 'apk add rsync'],
  ['emerge', 'emerge net-misc/rsync'],
  ['brew', 'brew install rsync'],
];

/** Absolute path of `cmd` on `path` (a PATH value), or undefined. */
export function findOnPath(cmd: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, cmd);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The one line for a missing rsync: how to install it with the package manager found, if any. */
export function missingRsyncLine(has: (cmd: string) => boolean): string {
  const install = INSTALLERS.find(([pm]) => has(pm))?.[1];
  const how = install === undefined ? "install your distribution's rsync package" : `install it with \`${install}\` (as root)`;
  return `rsync is not installed on this host (not found on PATH); ${how}, then run again`;
}

/** Why the runtime cannot run here (one line), or undefined when it can. */
export function missingPrerequisite(env: { PATH?: string | undefined } = process.env): string | undefined {
  const path = env.PATH;
  // No PATH at all: spawn (execvp) then searches the C library's default, as this does.
  if (findOnPath('rsync', path ?? '/bin:/usr/bin') !== undefined) return undefined;
  // sbin directories too: a user's PATH often lacks them, and apt-get lives in /usr/bin anyway.
  const searched = [path ?? '', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].join(delimiter);
  return missingRsyncLine((cmd) => findOnPath(cmd, searched) !== undefined);
}
