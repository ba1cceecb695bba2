/**
 * A CHAP change the live session has not logged in with yet (an apply refused the re-login
 * because the disk was busy): the note apply leaves on the host, its scripts run by a real
 * sh on a temp file, and the plan offering the re-login again only while that very session
 * is the live one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import {
  CLEAR_RELOGIN_SCRIPT, NOTE_RELOGIN_SCRIPT, parsePendingRelogins, reloginPending, RELOGIN_PENDING_FILE,
} from '../../../provision/iscsi/relogin-pending.ts';
import type { IscsiFacts } from '../../../provision/iscsi/facts.ts';
import { IscsiNodeResource, type NodeChangeData } from '../../../provision/resources/iscsi-node.ts';
import { IscsiSessionResource } from '../../../provision/resources/iscsi-session.ts';
import { applyContext, ScriptedTransport } from '../../support/scripted-transport.ts';
import type { IscsiResourceSpec } from '../../../provision/iscsi/spec.ts';
import { makeFacts } from '../provision/make-facts.ts';

const T = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const OTHER_T = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.other.aa0001';
const P = '10.0.0.5:3260';
const BOOT = '3f0c7f4e-5a5b-4f1e-9c1d-2b7a0e6d9a11';
const session = { transport: 'tcp', sid: 4, portal: P, tpgt: 1, target: T };

describe('parsePendingRelogins and reloginPending', () => {
  test('lines of four fields; anything else is skipped', () => {
    expect(parsePendingRelogins(`${T} ${P} 4 ${BOOT}\n\ngarbage\n${T} ${P} x ${BOOT}\n${T} ${P} 4 ${BOOT} extra\n`))
      .toEqual([{ target: T, portal: P, sid: 4, boot: BOOT }]);
  });

  test.each([
    ['the same session in the same boot', 4, BOOT, P, true],
    ['a later session (someone logged in again since)', 5, BOOT, P, false],
    ['the same sid after a reboot', 4, 'another-boot', P, false],
    ['another portal', 4, BOOT, '10.0.0.6:3260', false],
  ])('%s', (_name, sid, boot, portal, want) => {
    expect(reloginPending([{ target: T, portal, sid, boot }], session, BOOT)).toBe(want);
  });

  test('no boot id known: never pending', () => {
    expect(reloginPending([{ target: T, portal: P, sid: 4, boot: BOOT }], session, undefined)).toBe(false);
  });
});

describe('the note and clear scripts under sh', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'linkdest-relogin-'));
    file = join(dir, 'lib/linkdest/iscsi-relogin-pending');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sh = (script: string, ...args: string[]) => execFileSync('sh', ['-c', script, 'test', file, ...args], { encoding: 'utf8' });

  test('a note is written once, its directory made; clearing drops only that target; an empty file goes', () => {
    sh(NOTE_RELOGIN_SCRIPT, T, P, '4', BOOT);
    sh(NOTE_RELOGIN_SCRIPT, T, P, '4', BOOT);
    sh(NOTE_RELOGIN_SCRIPT, OTHER_T, P, '2', BOOT);
    expect(readFileSync(file, 'utf8')).toBe(`${T} ${P} 4 ${BOOT}\n${OTHER_T} ${P} 2 ${BOOT}\n`);
    sh(CLEAR_RELOGIN_SCRIPT, T);
    expect(parsePendingRelogins(readFileSync(file, 'utf8'))).toEqual([{ target: OTHER_T, portal: P, sid: 2, boot: BOOT }]);
    sh(CLEAR_RELOGIN_SCRIPT, OTHER_T);
    expect(existsSync(file)).toBe(false);
    sh(CLEAR_RELOGIN_SCRIPT, T); // nothing noted: nothing to do, no error
    expect(existsSync(file)).toBe(false);
  });

  test('a target that is a prefix of a noted one does not clear it', () => {
    writeFileSync(file, `${T}x ${P} 4 ${BOOT}\n`);
    sh(CLEAR_RELOGIN_SCRIPT, T);
    expect(readFileSync(file, 'utf8')).toBe(`${T}x ${P} 4 ${BOOT}\n`);
    rmSync(file);
  });
});

describe('plan and apply around a refused re-login', () => {
  const ENV = `LINKDEST_TEST_RELOGIN_${process.pid}`;
  const NEW = 'new-password-42';
  beforeAll(() => { process.env[ENV] = NEW; });
  afterAll(() => { delete process.env[ENV]; });
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  const spec: IscsiResourceSpec = {
    host: 'marte', install: true, backup: { mountpoint: '/mnt/Backup', mount: 'automount' },
    disk: { kind: 'iscsi', portals: [{ address: '10.0.0.5', port: 3260 }], target: T, lun: 1, chap: { user: 'backup', secret: { password_env: ENV } } },
  };
  const facts = (password: string, pending: IscsiFacts['reloginPending']): IscsiFacts => ({
    hostname: 'marte', commands: { iscsiadm: '/usr/sbin/iscsiadm', systemctl: '/usr/bin/systemctl' },
    initiatorName: 'iqn.1993-08.org.debian:01:5d53465fc62',
    units: {},
    records: [{ portal: P, tpgt: 1, target: T }],
    settings: { [P]: { 'node.startup': 'automatic', 'node.session.auth.authmethod': 'CHAP', 'node.session.auth.username': 'backup', 'node.session.auth.password.sha256': hash(password) } },
    sessions: [session],
    byPath: [`/dev/disk/by-path/ip-${P}-iscsi-${T}-lun-1`],
    bootId: BOOT,
    reloginPending: pending,
  });
  const node = new IscsiNodeResource(spec);
  const sess = new IscsiSessionResource(spec);

  test('a new password under a live session: the node change carries that session, to be noted first', () => {
    const [change] = node.check({ ...makeFacts(), iscsi: facts('old-password-1', []) });
    expect((change!.data as NodeChangeData).liveSession).toEqual({ sid: 4, boot: BOOT });
  });

  test('the record already new but the session noted as older: the plan offers the re-login again', () => {
    const changes = [node, sess].flatMap((r) => r.check({ ...makeFacts(), iscsi: facts(NEW, [{ target: T, portal: P, sid: 4, boot: BOOT }]) }));
    expect(changes.map((c) => c.summary)).toEqual([
      `log out of ${T} on ${P} and in again: the session still runs on the CHAP settings from before the node record changed (an earlier apply could not log in again)`,
    ]);
  });

  test('a later session (sid 5) read the new record: nothing to do', () => {
    const changes = [node, sess].flatMap((r) => r.check({ ...makeFacts(), iscsi: facts(NEW, [{ target: T, portal: P, sid: 3, boot: BOOT }]) }));
    expect(changes).toEqual([]);
  });

  const tags = (t: ScriptedTransport) => t.history.filter((r) => r.mutating).map((r) => (r.argv[0] === 'sh' ? r.argv[3] : r.argv.at(-1)));

  test('apply notes the session before it writes the password; the re-login clears the note', async () => {
    const t = new ScriptedTransport();
    await node.apply(node.check({ ...makeFacts(), iscsi: facts('old-password-1', []) }), applyContext(t));
    await sess.apply([{ resource: sess.id, action: 'update', summary: '', data: { portal: P, logout: true, login: true } }], applyContext(t));
    expect(tags(t)).toEqual(['linkdest-relogin-note', 'linkdest-iscsi-secret', '--logout', '--login', 'linkdest-relogin-clear']);
    const note = t.history.find((r) => r.argv[3] === 'linkdest-relogin-note')!.argv.slice(4);
    expect(note).toEqual([RELOGIN_PENDING_FILE, T, P, '4', BOOT]);
    expect(JSON.stringify(t.history)).not.toContain(NEW);
  });
});
