/**
 * A real tgtd dressed as a QNAP on the test bed's bridge, a booted test-bed host, and the
 * real iscsiadm / iscsi-ls / iscsi-readcapacity16 run on that host over SSH. The host's
 * kernel has no iSCSI initiator (no iscsi_tcp, no module loading): kernel-standin.ts stands
 * in for the transport class so SendTargets discovery runs, and `--login` can only fail
 * here (the QEMU scenario proves the login and the by-path link).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadInventory } from '../../../inventory/load.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { discoverIscsi } from '../../../provision/iscsi/discover.ts';
import { runDiscoverIscsi } from '../../../provision/commands/discover.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startFakeQnap, type FakeQnap } from './fake-qnap.ts';
import { installKernelStandin, STANDIN_IFACE } from './kernel-standin.ts';
import { installLibiscsiBin } from './libiscsi-debs.ts';

const BACKUP = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const SECURE = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.secure.a1b2c3';
const CHAP = { user: 'backupuser', password: `chap-${process.pid}-secret` };
const INITIATOR = 'iqn.2004-10.com.linkdest:host1';
const ready = isRoot && hasCommand('tgtd') && hasCommand('systemd-nspawn');

describe.skipIf(!ready)(`iSCSI discovery from a test-bed host against a tgtd "QNAP"${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let nas: FakeQnap;
  let empty: FakeQnap;
  let transport: Transport;
  let dir: string;
  let inventory: string;
  const discover = (portal: string, chap?: typeof CHAP) => {
    const [address, port] = [portal.slice(0, portal.lastIndexOf(':')), Number(portal.slice(portal.lastIndexOf(':') + 1))];
    return discoverIscsi(transport, { address, port }, { iface: STANDIN_IFACE, ...(chap ? { chap } : {}) });
  };
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as LinkdestError);

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    // SECURE gets tid 1 so tgtd announces BACKUP first (it lists targets newest first).
    nas = await startFakeQnap(bed.gateway, 3260, [
      { iqn: SECURE, sizeBytes: 32 * 2 ** 20, chap: CHAP },
      { iqn: BACKUP, sizeBytes: 64 * 2 ** 20 },
    ]);
    empty = await startFakeQnap(bed.gateway, 3262, [{ iqn: 'iqn.2004-04.com.qnap:ts-569pro:iscsi.hidden.000001', sizeBytes: 2 ** 20, allow: '192.0.2.99' }]);
    // A fresh host has no initiator name yet; discovery then uses the one linkdest would give it.
    await host.check(['rm', '-f', '/etc/iscsi/initiatorname.iscsi']);
    await installKernelStandin(host, INITIATOR);
    dir = await mkdtemp(join(tmpdir(), 'linkdest-iscsi-test-'));
    inventory = join(dir, 'linkdest.yml');
    await writeFile(inventory, [
      'hosts:',
      '  host1:',
      '    ssh:',
      `      host: ${host.ssh.host}`,
      '      user: root',
      `      identity: ${host.ssh.identity}`,
      `      known_hosts: ${host.ssh.known_hosts}`,
      '    sources: [/srv]',
      '',
    ].join('\n'));
    const { hosts } = await loadInventory(inventory);
    transport = openTransport(hosts[0]!);
    await transport.connect();
  }, 600_000);

  afterAll(async () => {
    await transport?.close();
    await nas?.stop();
    await empty?.stop();
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  test('without libiscsi-bin: targets and portals from iscsiadm, and what to install for LUNs', async () => {
    const r = await discover(nas.portal);
    expect(r.initiator).toBe(INITIATOR);
    expect(r.targets.map((t) => [t.target, t.portals, t.luns]).sort()).toEqual([
      [BACKUP, [{ address: bed.gateway, port: 3260, tpgt: 1 }], undefined],
      [SECURE, [{ address: bed.gateway, port: 3260, tpgt: 1 }], undefined],
    ]);
    const backup = r.targets.find((t) => t.target === BACKUP)!;
    expect(backup.parts).toMatchObject({ vendor: 'QNAP', model: 'ts-569pro', target: 'backuprbme', id: 'd70ea1' });
    expect(backup.problem).toMatch(/install libiscsi-bin/);
    // Discovery is read-only: -o nonpersistent leaves no node records behind.
    expect((await host.exec(['iscsiadm', '-m', 'node'])).code).toBe(21);
  }, 120_000);

  describe('with libiscsi-bin on the host', () => {
    beforeAll(async () => { await installLibiscsiBin(host); }, 300_000);

    test('LUN numbers and exact sizes; the CHAP target says CHAP is required', async () => {
      const r = await discover(nas.portal);
      const backup = r.targets.find((t) => t.target === BACKUP)!;
      // iscsi-ls stops at the first target refusing the login; tgtd's order varies between runs.
      if (backup.luns === undefined) expect(backup.problem).toMatch(/stops at the first target that refuses the login/);
      else expect(backup.luns).toEqual([{ lun: 0, type: 'STORAGE_ARRAY_CONTROLLER', exact: false }, { lun: 1, type: 'DIRECT_ACCESS', bytes: 64 * 2 ** 20, exact: true }]);
      const secure = r.targets.find((t) => t.target === SECURE)!;
      expect(secure.luns).toBeUndefined();
      expect(secure.problem).toBe(`${nas.portal} requires CHAP for target ${SECURE}: give the target's CHAP user and password (--chap-user and --chap-password-file)`);
    }, 120_000);

    test('right CHAP: the protected LUN is listed with its size', async () => {
      const r = await discover(nas.portal, CHAP);
      expect(r.targets.find((t) => t.target === SECURE)!.luns).toContainEqual({ lun: 1, type: 'DIRECT_ACCESS', bytes: 32 * 2 ** 20, exact: true });
      expect(r.targets.find((t) => t.target === BACKUP)!.luns).toContainEqual({ lun: 1, type: 'DIRECT_ACCESS', bytes: 64 * 2 ** 20, exact: true });
      // The password travelled on stdin only: no command the transport ran carries it.
      expect(JSON.stringify(transport.history)).not.toContain(CHAP.password);
    }, 120_000);

    test('wrong CHAP: the NAS rejects it, said in one line', async () => {
      const r = await discover(nas.portal, { user: CHAP.user, password: 'not-the-password' });
      expect(r.targets.find((t) => t.target === SECURE)!.problem).toBe(
        `${nas.portal} rejected the CHAP user/password for target ${SECURE}: check them against the target's CHAP settings on the NAS (--chap-user and --chap-password-file)`);
    }, 120_000);

    test('linkdest discover iscsi: human output and --json', async () => {
      let text = '';
      process.env.LINKDEST_TEST_CHAP = CHAP.password;
      try {
        const code = await runDiscoverIscsi(nas.portal, { via: 'host1', inventory, iface: STANDIN_IFACE, chapUser: CHAP.user, chapPasswordEnv: 'LINKDEST_TEST_CHAP' }, { write: (s: string) => { text += s; } });
        expect(code).toBe(0);
      } finally {
        delete process.env.LINKDEST_TEST_CHAP;
      }
      expect(text).toContain(`${nas.portal} seen from host1 (initiator ${INITIATOR}): 2 targets`);
      expect(text).toContain(`  ${BACKUP}\n    QNAP ts-569pro, target "backuprbme" (id d70ea1)\n    portals: ${nas.portal} (group 1)\n    LUN 0: storage array controller\n    LUN 1: disk, 64.0 MiB\n`);
      expect(text).toContain(`  ${SECURE}\n    QNAP ts-569pro, target "secure" (id a1b2c3)\n    portals: ${nas.portal} (group 1)\n    LUN 0: storage array controller\n    LUN 1: disk, 32.0 MiB\n`);
      expect(text).toMatch(/ {6}target: "iqn\.2004-04\.com\.qnap:ts-569pro:iscsi\.(backuprbme\.d70ea1|secure\.a1b2c3)"\n {6}lun: 1\n/);
      let json = '';
      await runDiscoverIscsi(nas.portal, { via: 'host1', inventory, iface: STANDIN_IFACE, json: true }, { write: (s: string) => { json += s; } });
      const doc = JSON.parse(json) as { host: string; targets: { target: string; parts: { model?: string }; problem?: string }[] };
      expect(doc.host).toBe('host1');
      expect(doc.targets.map((t) => [t.target, t.parts.model]).sort()).toEqual([[BACKUP, 'ts-569pro'], [SECURE, 'ts-569pro']]);
      expect(doc.targets.find((t) => t.target === SECURE)!.problem).toMatch(/requires CHAP/);
    }, 180_000);
  });

  test.each([
    { name: 'nothing listening: refused', portal: () => `${bed.gateway}:3261`, want: /^.*:3261 refused the connection from host1: check the address and port/ },
    { name: 'every target hidden from this initiator: no targets', portal: () => empty.portal, want: /offers no targets to initiator iqn\.2004-10\.com\.linkdest:host1: on the NAS create a target/ },
  ])('$name', async ({ portal, want }) => {
    const e = await failure(discover(portal()));
    expect(e).toBeInstanceOf(LinkdestError);
    expect(e.host).toBe('host1');
    expect(e.message).toMatch(want);
    expect(e.message).not.toContain('\n');
  }, 180_000);

  test('no route to the portal: said in one line', async () => {
    // An unused address on the bed's own /24: ARP gets no answer, the kernel reports no route.
    const unused = bed.gateway.replace(/\.1$/, '.250');
    const e = await failure(discover(`${unused}:3260`));
    expect(e.message).toMatch(/(unreachable from host1 \(no route\)|did not answer from host1 \(timeout\))/);
  }, 240_000);

  test('open-iscsi missing on the host: install hint', async () => {
    await host.check(['mv', '/usr/sbin/iscsiadm', '/usr/sbin/iscsiadm.away']);
    try {
      const e = await failure(discover(nas.portal));
      expect(e.message).toBe('iscsiadm is not installed on host1: install open-iscsi (apt install open-iscsi)');
    } finally {
      await host.check(['mv', '/usr/sbin/iscsiadm.away', '/usr/sbin/iscsiadm']);
    }
  }, 60_000);
});
