/**
 * Gates for suites that need real system parts. A skipped suite says why in its name,
 * so `vitest run` output shows what was not exercised on this machine.
 */
import { execFileSync } from 'node:child_process';
import { autofsUnavailable } from '../testbed/autofs.ts';

export const isRoot = process.getuid?.() === 0;

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Suffix for describe() titles: "(needs root: skipped)" when not root. */
export function rootNote(): string {
  return isRoot ? '' : ' (needs root: skipped)';
}

/** Suffix for titles of suites that need programs: "(needs setpriv: skipped)" when one is missing. */
export function commandNote(...cmds: string[]): string {
  const missing = cmds.filter((c) => !hasCommand(c));
  return missing.length === 0 ? '' : ` (needs ${missing.join(', ')}: skipped)`;
}

/** Suffix for titles of automount-only tests: "(needs autofs: skipped; the kernel has no autofs ...)". */
export function autofsNote(): string {
  const why = autofsUnavailable();
  return why === undefined ? '' : ` (needs autofs: skipped; ${why})`;
}
