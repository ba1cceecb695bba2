/** iSCSI resources: inventory spec + facts -> exact changes (blank, converged, CHAP change, other portal). */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostResource } from '../../../provision/resources/host-resource.ts';
import { applyContext, ScriptedTransport } from '../../support/scripted-transport.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import type { IscsiFacts } from '../../../provision/iscsi/facts.ts';
import type { IscsiHostFacts, IscsiResourceSpec } from '../../../provision/iscsi/spec.ts';
import { IscsiPackageResource } from '../../../provision/resources/iscsi-package.ts';
import { IscsiInitiatorResource } from '../../../provision/resources/iscsi-initiator.ts';
import { IscsiServiceResource } from '../../../provision/resources/iscsi-service.ts';
import { IscsiNodeResource } from '../../../provision/resources/iscsi-node.ts';
import { IscsiSessionResource } from '../../../provision/resources/iscsi-session.ts';
import { makeFacts } from '../provision/make-facts.ts';

const T = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const P = '10.0.0.5:3260';
const OTHER = '10.0.0.6:3260';
const ENV = `LINKDEST_TEST_CHAP_${process.pid}`;
const PASSWORD = 'correct-horse-12';
const hash = (s: string) => createHash('sha256').update(s).digest('hex');

const spec = (install = true): IscsiResourceSpec => ({
  host: 'marte',
  install,
  disk: { kind: 'iscsi', portals: [{ address: '10.0.0.5', port: 3260 }], target: T, lun: 1, chap: { user: 'backup', secret: { password_env: ENV } } },
});
const all = (s = spec()): HostResource[] => [new IscsiPackageResource(s), new IscsiInitiatorResource(s), new IscsiServiceResource(s), new IscsiNodeResource(s), new IscsiSessionResource(s)];

const loaded = (enabled: string, active: string) => ({ load: 'loaded', enabled, active });
const notFound = { load: 'not-found', enabled: '', active: 'inactive' };
const record = (startup: string, passwordHash: string) => ({
  'node.name': T, 'node.startup': startup, 'node.session.auth.authmethod': 'CHAP',
  'node.session.auth.username': 'backup', 'node.session.auth.password.sha256': passwordHash,
});

const blank: IscsiFacts = {
  hostname: 'marte', commands: { systemctl: '/usr/bin/systemctl' },
  units: { 'iscsid.socket': notFound, 'iscsid.service': notFound, 'open-iscsi.service': notFound, 'iscsi.service': notFound },
  records: [], settings: {}, sessions: [], byPath: [],
};
const converged: IscsiFacts = {
  hostname: 'marte', commands: { iscsiadm: '/usr/sbin/iscsiadm', systemctl: '/usr/bin/systemctl' },
  initiatorFile: 'InitiatorName=iqn.1993-08.org.debian:01:5d53465fc62\n', initiatorName: 'iqn.1993-08.org.debian:01:5d53465fc62',
  units: { 'iscsid.socket': loaded('enabled', 'active'), 'iscsid.service': loaded('indirect', 'active'), 'open-iscsi.service': loaded('enabled', 'active'), 'iscsi.service': notFound },
  records: [{ portal: P, tpgt: 1, target: T }],
  settings: { [P]: record('automatic', hash(PASSWORD)) },
  sessions: [{ transport: 'tcp', sid: 1, portal: P, tpgt: 1, target: T }],
  byPath: [`/dev/disk/by-path/ip-${P}-iscsi-${T}-lun-1`],
};
const withIscsi = (iscsi: IscsiFacts): IscsiHostFacts => ({ ...makeFacts(), iscsi });
const summaries = (facts: IscsiHostFacts, s = spec()) => all(s).flatMap((r) => r.check(facts)).map((c) => `${c.resource}: ${c.summary}`);

beforeAll(() => { process.env[ENV] = PASSWORD; });
afterAll(() => { delete process.env[ENV]; });

describe('iSCSI resources check()', () => {
  test('blank host: install, name, enable, record with CHAP, log in', () => {
    expect(summaries(withIscsi(blank))).toEqual([
      'iscsi:package: install open-iscsi with apt',
      'file:/etc/iscsi/initiatorname.iscsi: set the iSCSI initiator name to iqn.2004-10.com.linkdest:marte (allow it on the NAS)',
      'iscsi:service: enable iscsid and the boot login service once open-iscsi is installed',
      `iscsi-node:${T}: create the iSCSI node record for ${T} on ${P}: node.startup=automatic, node.session.auth.authmethod=CHAP, node.session.auth.username=backup, node.session.auth.password (secret)`,
      `iscsi-session:${T}: log in to ${T} on ${P} and wait for /dev/disk/by-path/ip-${P}-iscsi-${T}-lun-1`,
    ]);
  });

  test('converged host: no changes', () => {
    expect(summaries(withIscsi(converged))).toEqual([]);
  });

  test('CHAP password changed: only the password is set, and the live session logs in again', () => {
    const facts = withIscsi({ ...converged, settings: { [P]: record('automatic', hash('old-password-1')) } });
    expect(summaries(facts)).toEqual([
      `iscsi-node:${T}: set node.session.auth.password (secret) on the node record of ${T} at ${P}`,
      `iscsi-session:${T}: log out of ${T} on ${P} and in again so the new CHAP settings take effect`,
    ]);
  });

  test('record and session on a different portal: create ours, stop boot login there, log in on ours', () => {
    const facts = withIscsi({
      ...converged,
      records: [{ portal: OTHER, tpgt: 1, target: T }],
      settings: { [OTHER]: record('automatic', hash(PASSWORD)) },
      sessions: [{ transport: 'tcp', sid: 1, portal: OTHER, tpgt: 1, target: T }],
      byPath: [],
    });
    expect(summaries(facts)).toEqual([
      `iscsi-node:${T}: create the iSCSI node record for ${T} on ${P}: node.startup=automatic, node.session.auth.authmethod=CHAP, node.session.auth.username=backup, node.session.auth.password (secret)`,
      `iscsi-node:${T}: set node.startup=manual on the node record of ${T} at ${OTHER} (not a configured portal: never logged in to at boot)`,
      `iscsi-session:${T}: log in to ${T} on ${P} and wait for /dev/disk/by-path/ip-${P}-iscsi-${T}-lun-1`,
    ]);
  });

  describe('a run failed over to the second configured portal', () => {
    const P2 = '10.0.0.6:3260';
    const two = (): IscsiResourceSpec => ({ ...spec(), disk: { ...spec().disk, portals: [{ address: '10.0.0.5', port: 3260 }, { address: '10.0.0.6', port: 3260 }] } });
    const failedOver = (passwordHash: string): IscsiFacts => ({
      ...converged,
      records: [{ portal: P, tpgt: 1, target: T }, { portal: P2, tpgt: 1, target: T }],
      settings: { [P]: record('automatic', hash(PASSWORD)), [P2]: record('manual', passwordHash) },
      sessions: [{ transport: 'tcp', sid: 2, portal: P2, tpgt: 1, target: T }],
      byPath: [`/dev/disk/by-path/ip-${P2}-iscsi-${T}-lun-1`],
    });

    test('no second login on the first portal (two disks for one LUN): the session is moved back', () => {
      const changes = all(two()).flatMap((r) => r.check(withIscsi(failedOver(hash(PASSWORD)))));
      expect(changes.map((c) => [c.resource, c.summary, c.data])).toEqual([[
        `iscsi-session:${T}`,
        `move the session to ${T} from ${P2} (a backup run failed over to it) back to ${P}: unmount the backup disk, log out there, log in on ${P} (back on ${P2} if ${P} refuses)`,
        { portal: P, logout: false, login: true, from: P2 },
      ]]);
    });
  });

  test('startup manual on our record: set automatic, no new login (credentials unchanged)', () => {
    const facts = withIscsi({ ...converged, settings: { [P]: record('manual', hash(PASSWORD)) } });
    expect(summaries(facts)).toEqual([`iscsi-node:${T}: set node.startup=automatic on the node record of ${T} at ${P}`]);
  });

  test('iscsid stopped and boot login disabled', () => {
    const facts = withIscsi({ ...converged, units: { ...converged.units, 'iscsid.socket': loaded('disabled', 'inactive'), 'iscsid.service': loaded('indirect', 'inactive'), 'open-iscsi.service': loaded('disabled', 'inactive') } });
    expect(summaries(facts)).toEqual(['iscsi:service: enable and start iscsid.socket', 'iscsi:service: enable open-iscsi.service']);
  });

  test('the CHAP password appears in no change (summaries, diffs, data)', () => {
    const changes = all().flatMap((r) => r.check(withIscsi({ ...blank })));
    expect(JSON.stringify(changes)).not.toContain(PASSWORD);
  });

  test('open-iscsi missing and install_packages false: one line saying what to run', () => {
    expect(() => new IscsiPackageResource(spec(false)).check(withIscsi(blank))).toThrow(
      'iscsiadm is missing: install open-iscsi (`apt-get install -y --no-install-recommends -- open-iscsi`) or set install_packages: true');
  });

  test('an existing initiator name is never replaced', () => {
    expect(new IscsiInitiatorResource(spec()).check(withIscsi(converged))).toEqual([]);
    const generateOnly = { ...converged, initiatorFile: '## DO NOT EDIT\nGenerateName=yes\n' } as IscsiFacts;
    delete generateOnly.initiatorName;
    expect(new IscsiInitiatorResource(spec()).check(withIscsi(generateOnly)).map((c) => c.action)).toEqual(['update']);
  });

  test('facts not gathered: a named provisioner error, not a crash', () => {
    expect(() => new IscsiNodeResource(spec()).check(makeFacts())).toThrow(/iSCSI facts were not gathered/);
  });
});

describe('iscsi:service on hosts without systemd (SysV init; OpenRC argv in boot-services.test.ts)', () => {
  const sysvLinks = (c: 'S' | 'K') => ({
    iscsid: { present: true, links: ['rc0.d/K01iscsid', `rcS.d/${c}01iscsid`] },
    'open-iscsi': { present: true, links: ['rc0.d/K01open-iscsi', `rcS.d/${c}01open-iscsi`] },
  });
  const sysvCommands = { iscsiadm: '/usr/sbin/iscsiadm', 'update-rc.d': '/usr/sbin/update-rc.d' };
  const noSystemd = (iscsi: IscsiFacts): IscsiHostFacts => ({ ...makeFacts({ systemd: false }), iscsi });
  const service = () => new IscsiServiceResource(spec());

  /** Answers the iSCSI gather with `gather` and the iscsid check with `iscsidCheck`; records everything. */
  const host = (iscsidCheck: number, gather = '') => new ScriptedTransport((argv) => {
    if (argv[3] === 'linkdest-iscsi-facts') return { stdout: gather.replaceAll('NONCE', argv[4]!) };
    return argv[0] === 'sh' && argv[2]!.includes('pidof iscsid') ? { code: iscsidCheck } : undefined;
  });

  test('SysV as Debian installs open-iscsi (disabled K01 links), iscsid stopped: enable both at boot, start iscsid only', async () => {
    const f = noSystemd({ ...converged, commands: sysvCommands, units: {}, sysvScripts: sysvLinks('K'), iscsidRunning: false });
    const changes = service().check(f);
    expect(changes.map((c) => c.summary)).toEqual(['enable iscsid and open-iscsi at boot (update-rc.d)', 'start iscsid (/etc/init.d/iscsid start)']);
    const t = host(0);
    await service().apply(changes, applyContext(t));
    expect(t.mutations()).toEqual(['update-rc.d iscsid enable', 'update-rc.d open-iscsi enable', '/etc/init.d/iscsid start']);
    expect(t.mutations().join('\n')).not.toContain('open-iscsi start');
  });

  test('SysV converged (S links, iscsid running): no change from any iSCSI resource', () => {
    expect(summaries(noSystemd({ ...converged, commands: sysvCommands, units: {}, sysvScripts: sysvLinks('S'), iscsidRunning: true }))).toEqual([]);
  });

  test('the start exits 0 but iscsid is gone a second later: one line naming the command and the likely cause', async () => {
    const f = noSystemd({ ...converged, commands: sysvCommands, units: {}, sysvScripts: sysvLinks('S'), iscsidRunning: false });
    const e = await service().apply(service().check(f), applyContext(host(1))).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(LinkdestError);
    expect((e as Error).message).toBe('iscsid is not running after `/etc/init.d/iscsid start`: it exits at once when the kernel has no iSCSI initiator (iscsi_tcp, NETLINK_ISCSI); see the system log');
  });

  test('open-iscsi installed in the same apply: the facts are read again on the host, then exactly what they call for runs', async () => {
    const f = noSystemd({ ...blank, commands: { 'update-rc.d': '/usr/sbin/update-rc.d' }, units: {} });
    const changes = service().check(f);
    expect(changes.map((c) => c.summary)).toEqual(['enable iscsid and open-iscsi at boot (update-rc.d) and start iscsid once open-iscsi is installed']);
    const gather = ['@@NONCE commands', 'iscsiadm /usr/sbin/iscsiadm', 'update-rc.d /usr/sbin/update-rc.d', '@@NONCE openrc',
      '@@NONCE sysv iscsid', 'script', 'link rcS.d/K01iscsid', '@@NONCE sysv open-iscsi', 'script', 'link rcS.d/S01open-iscsi',
      '@@NONCE iscsid', '@@NONCE end', ''].join('\n');
    const t = host(0, gather);
    await service().apply(changes, applyContext(t));
    expect(t.mutations()).toEqual(['update-rc.d iscsid enable', '/etc/init.d/iscsid start']);
  });

  test('no systemd and no init tool linkdest knows: one line saying what to do', () => {
    const f = noSystemd({ ...converged, commands: { iscsiadm: '/usr/sbin/iscsiadm' }, units: {} });
    expect(() => service().check(f)).toThrow(/^this host runs neither systemd, nor SysV init with update-rc.d, nor OpenRC \(rc-update, rc-service\): make iscsid start at boot/);
  });
});
