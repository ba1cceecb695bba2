/**
 * Why the VM suites cannot run on this machine, or undefined when they can. The reason goes
 * into the describe() title so a skipped run says what was not exercised.
 */
import { hasCommand, isRoot } from '../support/needs.ts';

const NEEDED = ['qemu-system-x86_64', 'qemu-img', 'socat', 'tgtd', 'tgtadm', 'debootstrap', 'mkfs.ext4', 'ssh', 'ip'];

export function vmSkipReason(): string | undefined {
  if (!isRoot) return 'needs root';
  if (process.env.LINKDEST_SKIP_VM === '1') return 'LINKDEST_SKIP_VM=1';
  const missing = NEEDED.filter((cmd) => !hasCommand(cmd));
  if (missing.length > 0) return `missing ${missing.join(', ')} (Debian: qemu-system-x86 qemu-utils socat tgt debootstrap)`;
  return undefined;
}
