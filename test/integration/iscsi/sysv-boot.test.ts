/**
 * iscsid at boot on a host without systemd, for real over SSH: a test-bed host whose PID 1
 * is not systemd (init 'sshd-only'), with Debian's open-iscsi as the package installs it
 * (iscsid and open-iscsi init scripts DISABLED: K01 links in /etc/rcS.d). The plan enables
 * both with update-rc.d and starts iscsid; apply runs exactly that and the links turn into
 * S links. iscsid itself cannot stay up here: this kernel has no iSCSI initiator, and iscsid
 * exits at once ("can not create NETLINK_ISCSI socket"); /lib/open-iscsi/startup-checks.sh
 * passes (config and initiator name are there). A /sys/class stand-in cannot help a netlink
 * socket, so the test checks that apply says so in one line, and proves the "running"
 * branch with a stand-in process named iscsid. No login can happen here either; the QEMU
 * scenario covers login and reboot on systemd. OpenRC has no image on this test bed: its
 * planning and argv are unit-tested (test/unit/iscsi/boot-services.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LinkdestError } from '../../../runtime/errors.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { gatherFacts } from '../../../provision/facts/gather.ts';
import { emptyQuery } from '../../../provision/facts/types.ts';
import type { HostApplyContext, HostResource } from '../../../provision/resources/host-resource.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { iscsiResourcesFor, withIscsiFacts } from '../../../provision/iscsi/wiring.ts';
import { applyContext } from '../../support/scripted-transport.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const TARGET = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const ready = isRoot && hasCommand('systemd-nspawn');
/** A process named iscsid standing in for the daemon this kernel cannot run. */
const STANDIN = '/run/linkdest-standin/iscsid';

describe.skipIf(!ready)(`iscsid at boot on a SysV-style host without systemd (no kernel initiator here: iscsid cannot stay up)${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let transport: Transport;
  let service: HostResource;

  const plan = async () => {
    const facts = await withIscsiFacts(transport, await gatherFacts(transport, emptyQuery()), [service]);
    expect(facts.systemd).toBe(false);
    return service.check(facts);
  };
  const ctx = (): HostApplyContext => applyContext(transport, 'host1');
  const rcLinks = async () => (await host.check(['sh', '-c', 'cd /etc && ls -d rc?.d/*iscsi*'])).stdout.trim().split('\n');
  const mutations = (from: number) => transport.history.slice(from).filter((c) => c.mutating).map((c) => c.argv.join(' '));

  beforeAll(async () => {
    bed = await startHosts(1, { init: 'sshd-only' });
    host = bed.hosts[0]!;
    const spec = {
      name: 'host1', groups: [], connection: 'ssh', become: false, install_packages: false,
      ssh: host.ssh, origin: 'test', mountpoint: '/mnt/Backup', mount: 'fstab',
      disk: { target: { kind: 'iscsi', portals: [{ address: bed.gateway, port: 3260 }], target: TARGET, lun: 1 }, filesystem: 'ext4', label: 'linkdest' },
    } as unknown as HostSpec;
    service = iscsiResourcesFor(spec).find((r) => r.id === 'iscsi:service')!;
    transport = openTransport(spec);
    await transport.connect();
  }, 300_000);

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
  }, 120_000);

  test('as installed: both scripts disabled (K01 in rcS.d); the plan enables both and starts iscsid', async () => {
    expect(await rcLinks()).toEqual(expect.arrayContaining(['rcS.d/K01iscsid', 'rcS.d/K01open-iscsi']));
    expect((await plan()).map((c) => c.summary)).toEqual([
      'enable iscsid and open-iscsi at boot (update-rc.d)',
      'start iscsid (/etc/init.d/iscsid start)',
    ]);
  }, 120_000);

  test('apply: update-rc.d turns the K links into S links; the start runs but iscsid exits (no NETLINK_ISCSI), said in one line', async () => {
    const from = transport.history.length;
    const e = await plan().then((changes) => service.apply(changes, ctx())).then(() => undefined, (x: unknown) => x);
    expect(mutations(from)).toEqual(['update-rc.d iscsid enable', 'update-rc.d open-iscsi enable', '/etc/init.d/iscsid start']);
    const links = await rcLinks();
    expect(links).toEqual(expect.arrayContaining(['rcS.d/S01iscsid', 'rcS.d/S01open-iscsi']));
    expect(links.filter((l) => l.startsWith('rcS.d/K'))).toEqual([]);
    expect(e).toBeInstanceOf(LinkdestError);
    expect((e as Error).message).toMatch(/^iscsid is not running after `\/etc\/init\.d\/iscsid start`: it exits at once when the kernel has no iSCSI initiator/);
    // Why, precisely: the daemon itself, in the foreground.
    const direct = await host.exec(['timeout', '10', '/usr/sbin/iscsid', '-f']);
    expect(direct.stderr).toContain('can not create NETLINK_ISCSI socket');
  }, 120_000);

  test('boot links converged: the next plan offers only the start (the stale /run/iscsid.pid does not count), and runs nothing', async () => {
    expect((await host.check(['cat', '/run/iscsid.pid'])).stdout.trim()).toMatch(/^\d+$/);
    const from = transport.history.length;
    expect((await plan()).map((c) => c.summary)).toEqual(['start iscsid (/etc/init.d/iscsid start)']);
    expect(mutations(from)).toEqual([]);
  }, 120_000);

  test('with a process named iscsid running (stand-in for the daemon): 0 changes', async () => {
    const started = await host.check(['sh', '-c', `mkdir -p "\${1%/*}" && cp /bin/sleep "$1" && { setsid "$1" 600 </dev/null >/dev/null 2>&1 & echo $!; }`, 'standin', STANDIN]);
    const pid = started.stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    try {
      expect(await plan()).toEqual([]);
    } finally {
      await host.exec(['sh', '-c', 'kill "$1"; rm -rf "${2%/*}"', 'cleanup', pid, STANDIN]);
    }
  }, 120_000);
});
