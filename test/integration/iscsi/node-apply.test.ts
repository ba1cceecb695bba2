/**
 * The iSCSI resources against a booted test-bed host over SSH: facts gathered for real
 * (gatherFacts + gatherIscsiFacts), check() -> apply -> check again = no changes, and the
 * node record iscsiadm then holds. The host's kernel has no iSCSI initiator and iscsid is
 * masked in the test-bed image (it cannot run without NETLINK_ISCSI), so `--login` fails
 * here by nature; the test checks that failure reads as one line. The QEMU scenario
 * proves the login itself and the /dev/disk/by-path link.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LinkdestError } from '../../../runtime/errors.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { gatherFacts } from '../../../provision/facts/gather.ts';
import { emptyQuery } from '../../../provision/facts/types.ts';
import type { HostApplyContext, HostResource } from '../../../provision/resources/host-resource.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { iscsiResourcesFor, withIscsiFacts } from '../../../provision/iscsi/wiring.ts';
import { parseNodeRecord } from '../../../provision/iscsi/node-records.ts';
import { applyContext } from '../../support/scripted-transport.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';

const TARGET = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const ready = isRoot && hasCommand('systemd-nspawn');

describe.skipIf(!ready)(`iSCSI node record and CHAP written on a test-bed host${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let transport: Transport;
  let dir: string;
  let secretFile: string;
  let portal: string;
  let resources: HostResource[];
  const password1 = `first-${process.pid}-pw`;
  const password2 = `second-${process.pid}-pw`;

  const facts = async () => withIscsiFacts(transport, await gatherFacts(transport, emptyQuery()), resources);
  const byId = (id: string) => resources.find((r) => r.id === id)!;
  const ctx = (): HostApplyContext => applyContext(transport, 'host1');
  const check = async (ids: string[]) => {
    const f = await facts();
    return ids.flatMap((id) => byId(id).check(f));
  };
  const apply = async (ids: string[]) => {
    const f = await facts();
    for (const id of ids) await byId(id).apply(byId(id).check(f), ctx());
  };
  const record = async (p: string) => parseNodeRecord((await host.check(['iscsiadm', '-m', 'node', '-T', TARGET, '-p', p, '-o', 'show', '-S'])).stdout);

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    portal = `${bed.gateway}:3260`;
    await host.check(['rm', '-f', '/etc/iscsi/initiatorname.iscsi']);
    dir = await mkdtemp(join(tmpdir(), 'linkdest-iscsi-node-'));
    secretFile = join(dir, 'chap.secret');
    await writeFile(secretFile, `${password1}\n`, { mode: 0o600 });
    const spec = {
      name: 'host1', groups: [], connection: 'ssh', become: false, install_packages: false,
      ssh: host.ssh, origin: 'test',
      disk: {
        target: { kind: 'iscsi', portals: [{ address: bed.gateway, port: 3260 }], target: TARGET, lun: 1, chap: { user: 'backupuser', secret: { password_file: secretFile } } },
        filesystem: 'ext4', label: 'linkdest',
      },
    } as unknown as HostSpec;
    resources = iscsiResourcesFor(spec);
    transport = openTransport(spec);
    await transport.connect();
  }, 300_000);

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  test('blank host: initiator name and one node record with CHAP planned, applied, then converged', async () => {
    const ids = ['file:/etc/iscsi/initiatorname.iscsi', `iscsi-node:${TARGET}`];
    expect((await check(ids)).map((c) => c.summary)).toEqual([
      'set the iSCSI initiator name to iqn.2004-10.com.linkdest:host1 (allow it on the NAS)',
      `create the iSCSI node record for ${TARGET} on ${portal}: node.startup=automatic, node.session.auth.authmethod=CHAP, node.session.auth.username=backupuser, node.session.auth.password (secret)`,
    ]);
    await apply(ids);
    expect(await check(ids)).toEqual([]);
    expect((await host.check(['cat', '/etc/iscsi/initiatorname.iscsi'])).stdout).toMatch(/^InitiatorName=iqn\.2004-10\.com\.linkdest:host1$/m);
    // Exactly the configured portal: no other record was created.
    expect((await host.check(['iscsiadm', '-m', 'node'])).stdout.trim()).toMatch(new RegExp(`^${portal.replaceAll('.', '\\.')},-?\\d+ ${TARGET.replaceAll('.', '\\.')}$`));
    expect(await record(portal)).toMatchObject({
      'node.startup': 'automatic', 'node.session.auth.authmethod': 'CHAP',
      'node.session.auth.username': 'backupuser', 'node.session.auth.password': password1,
    });
    expect(JSON.stringify(transport.history)).not.toContain(password1);
  }, 120_000);

  test('CHAP password changed in the secret file: only the password is updated', async () => {
    await writeFile(secretFile, `${password2}\n`);
    expect((await check([`iscsi-node:${TARGET}`])).map((c) => c.summary)).toEqual([
      `set node.session.auth.password (secret) on the node record of ${TARGET} at ${portal}`,
    ]);
    await apply([`iscsi-node:${TARGET}`]);
    expect((await record(portal))['node.session.auth.password']).toBe(password2);
    expect(await check([`iscsi-node:${TARGET}`])).toEqual([]);
    expect(JSON.stringify(transport.history)).not.toContain(password2);
  }, 120_000);

  test('a record of the same target on another portal loses boot login, and is not touched otherwise', async () => {
    const other = `${bed.gateway}:3263`;
    await host.check(['iscsiadm', '-m', 'node', '-o', 'new', '-T', TARGET, '-p', other]);
    await host.check(['iscsiadm', '-m', 'node', '-T', TARGET, '-p', other, '-o', 'update', '-n', 'node.startup', '-v', 'automatic']);
    expect((await check([`iscsi-node:${TARGET}`])).map((c) => c.summary)).toEqual([
      `set node.startup=manual on the node record of ${TARGET} at ${other} (not a configured portal: never logged in to at boot)`,
    ]);
    await apply([`iscsi-node:${TARGET}`]);
    expect((await record(other))['node.startup']).toBe('manual');
    expect((await record(portal))['node.startup']).toBe('automatic');
  }, 120_000);

  test('iscsid masked (as in this image): the service resource says to unmask it', async () => {
    const f = await facts();
    expect(() => byId('iscsi:service').check(f)).toThrow(
      'iscsid.socket and iscsid.service are masked: unmask (systemctl unmask iscsid.socket iscsid.service) so the LUN can be logged in to');
  }, 60_000);

  test('login: planned on exactly the configured portal; here it fails in one line (no kernel initiator)', async () => {
    const id = `iscsi-session:${TARGET}`;
    expect((await check([id])).map((c) => c.summary)).toEqual([
      `log in to ${TARGET} on ${portal} and wait for /dev/disk/by-path/ip-${portal}-iscsi-${TARGET}-lun-1`,
    ]);
    const e = await apply([id]).then(() => undefined, (x: unknown) => x as LinkdestError);
    expect(e).toBeInstanceOf(LinkdestError);
    expect(e!.message).toMatch(/^iscsid is not running on host1|kernel has no iSCSI initiator/);
    expect(e!.message).not.toContain('\n');
    const logins = transport.history.filter((c) => c.argv.includes('--login'));
    expect(logins.map((c) => c.argv.join(' '))).toEqual([`iscsiadm -m node -T ${TARGET} -p ${portal} --login`]);
  }, 240_000);
});
