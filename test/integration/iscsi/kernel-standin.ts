/**
 * What a test-bed host lacks for `iscsiadm -m discovery`: the kernel's iSCSI transport
 * class. This kernel has no iscsi_tcp and loads no modules, so /sys/class/iscsi_transport
 * never exists. The stand-in, inside the host's own mount namespace only: a tmpfs over
 * /sys/class holding iscsi_transport/tcp/{handle,caps}, every real class bound back
 * beside it; and an open-iscsi iface carrying the initiator name, since no iscsid can run
 * to hand it out. SendTargets discovery then runs over TCP for real. Login cannot.
 */
import type { TestHost } from '../../testbed/index.ts';

export const STANDIN_IFACE = 'linkdest-standin';

const SCRIPT = `set -eu
iname=$1 iface=$2
keep=/run/linkdest-real-sys-class
mkdir -p "$keep"
mount --bind /sys/class "$keep"
mount -t tmpfs -o mode=0755 linkdest-sysclass /sys/class
for c in "$keep"/*; do
  n=\${c##*/}
  mkdir "/sys/class/$n"
  mount --bind "$c" "/sys/class/$n"
done
mkdir -p /sys/class/iscsi_transport/tcp
echo 1 > /sys/class/iscsi_transport/tcp/handle
echo 0x39 > /sys/class/iscsi_transport/tcp/caps
iscsiadm -m iface -I "$iface" -o new >/dev/null
iscsiadm -m iface -I "$iface" -o update -n iface.transport_name -v tcp >/dev/null
iscsiadm -m iface -I "$iface" -o update -n iface.initiatorname -v "$iname" >/dev/null
`;

export async function installKernelStandin(host: TestHost, initiatorName: string): Promise<void> {
  await host.check(['sh', '-c', SCRIPT, 'standin', initiatorName, STANDIN_IFACE]);
}
