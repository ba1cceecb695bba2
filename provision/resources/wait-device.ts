/**
 * After partitioning or mkfs, a device node or /dev/disk link appears when udev (or, on the
 * test bed, its stand-in) creates it. Let udev settle when there is one, then poll for the
 * node on the host itself (one round trip), failing after a deadline instead of sleeping
 * blind. `partx -a` runs only when the kernel does not know the partition at all: `partx -u`
 * re-adds unchanged partitions under a new minor number, which leaves stale nodes behind.
 */
import { LinkdestError } from '../../runtime/errors.ts';
import type { HostApplyContext } from './host-resource.ts';

const WAIT_SCRIPT = `dev=$1 tenths=$2 disk=$3 i=0
if [ -n "$disk" ] && [ ! -e "/sys/class/block/$(basename -- "$dev")" ] && command -v partx >/dev/null 2>&1; then
  partx -a -- "$disk" >/dev/null 2>&1
fi
command -v udevadm >/dev/null 2>&1 && udevadm settle --timeout=10 >/dev/null 2>&1
while [ ! -b "$dev" ]; do
  i=$((i + 1))
  [ "$i" -gt "$tenths" ] && exit 1
  sleep 0.1
done
exit 0`;

/** Waits for `node`; `disk` set means node is a partition of it that the kernel may not know yet. */
export async function waitForBlockDevice(ctx: HostApplyContext, node: string, disk = '', timeoutS = 30): Promise<void> {
  const r = await ctx.transport.run(['sh', '-c', WAIT_SCRIPT, 'linkdest-wait', node, String(timeoutS * 10), disk], {
    allowFailure: true,
    timeoutMs: (timeoutS + 20) * 1000,
  });
  if (r.code !== 0) {
    throw new LinkdestError(`${node} did not appear within ${timeoutS} s`, { host: ctx.host, step: 'disk' });
  }
}
