/**
 * The iSCSI branch of `linkdest init` with scripted answers: targets listed in a stable
 * order with QNAP names and LUN sizes, CHAP credentials checked by a second discovery
 * before anything is written, a rejected password asked again or the target changed, and
 * credentials given as flags ending init in one line when the NAS refuses them.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { DiscoveryTarget } from '../../../provision/iscsi/discover.ts';
import { describeIqn } from '../../../provision/iscsi/qnap-iqn.ts';
import { foundTarget, type ChapCredentials, type FoundTarget } from '../../../provision/wizard/iscsi-discovery.ts';
import { runInit } from '../../../provision/wizard/flow.ts';
import { harness, workdir, type FakeHost } from './fixtures.ts';
import { seq } from './scripted.ts';

const BACKUP = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const SECURE = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.secure.a1b2c3';
const PORTAL = '10.0.0.5:3260';
const RIGHT = { user: 'linkdest', password: 'right-Chap-1' };

/** A NAS with an open target and a CHAP one, answering like discovery does. */
function nas(chap?: ChapCredentials): FoundTarget[] {
  const ok = chap?.user === RIGHT.user && chap.password === RIGHT.password;
  const secure: FoundTarget = ok
    ? { target: SECURE, portal: PORTAL, luns: [{ lun: 1, bytes: 3 * 2 ** 40 }], needsChap: false }
    : chap === undefined
      ? { target: SECURE, portal: PORTAL, luns: [], needsChap: true, note: `${PORTAL} requires CHAP for target ${SECURE}: give the target's CHAP user and password (asked next)` }
      : { target: SECURE, portal: PORTAL, luns: [], needsChap: true, chapRejected: true, note: `${PORTAL} rejected the CHAP user/password for target ${SECURE}: check them (then enter them again)` };
  return [{ target: BACKUP, portal: PORTAL, luns: [{ lun: 1, bytes: 2 ** 40 }], needsChap: false }, secure];
}

let dir: string;
beforeEach(async () => { dir = await workdir(); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });
const opts = () => ({ inventory: join(dir, 'linkdest.yml'), mountpoint: '/mnt/Backup' });
const base = { host: 'marte.lan', identity: '', 'mail-to': '', 'healthcheck-url': '', target: 'iscsi', 'iscsi-portal': '10.0.0.5' };

describe('linkdest init, iSCSI with CHAP', () => {
  test('a wrong password is checked on the NAS, said in one line and asked again; only the right one is stored', async () => {
    const host: FakeHost = { targets: nas };
    const h = harness({ ...base, 'iscsi-target': SECURE, 'chap-user': seq('linkdest', 'linkdest'), 'chap-password': seq('wrong-pw', RIGHT.password), 'chap-rejected': 'again' }, host);
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(host.discoveries).toEqual([undefined, { user: 'linkdest', password: 'wrong-pw' }, RIGHT]);
    const said = h.rec.said.join('\n');
    expect(said).toContain(`${PORTAL} rejected the CHAP user/password for target ${SECURE}`);
    expect(said).toContain('The NAS accepted the CHAP login.');
    // The LUN question comes from the discovery with the right credentials: with its size.
    const lun = h.prompts.questions('iscsi-lun')[0] as { kind: string; choices: { name: string }[] };
    expect(lun.kind).toBe('select');
    expect(lun.choices.map((c) => c.name)).toEqual(['LUN 1 (3.0 TiB)']);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.disk).toEqual({
      iscsi: { portal: '10.0.0.5', target: SECURE, lun: 1, chap: { user: 'linkdest', password_file: './marte.chap-secret' } },
    });
    expect(await readFile(join(dir, 'marte.chap-secret'), 'utf8')).toBe(`${RIGHT.password}\n`);
    expect((await stat(join(dir, 'marte.chap-secret'))).mode & 0o777).toBe(0o600);
    for (const f of await readdir(dir)) {
      const text = await readFile(join(dir, f), 'utf8');
      expect(text, f).not.toContain('wrong-pw');
      if (f !== 'marte.chap-secret') expect(text, f).not.toContain(RIGHT.password);
    }
    expect(said).not.toContain('wrong-pw');
    expect(said).not.toContain(RIGHT.password);
  });

  test('after a rejection the user may choose another target; no secret file is written', async () => {
    const h = harness({ ...base, 'iscsi-target': seq(SECURE, BACKUP), chap: seq(true, false), 'chap-user': 'linkdest', 'chap-password': 'wrong-pw', 'chap-rejected': 'other' }, { targets: nas });
    expect(await runInit(opts(), h.deps)).toBe(0);
    expect(h.prompts.questions('iscsi-target')).toHaveLength(2);
    expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.disk).toEqual({ iscsi: { portal: '10.0.0.5', target: BACKUP, lun: 1 } });
    expect(await readdir(dir)).not.toContain('marte.chap-secret');
  });

  test('credentials given as flags and refused by the NAS end init with one line naming the flags', async () => {
    const h = harness({}, { targets: nas }, { ...base, 'iscsi-target': SECURE, 'chap-user': 'linkdest', 'chap-password': 'wrong-pw' }, true);
    const e = await runInit(opts(), h.deps).catch((x: Error) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(new RegExp(`^${PORTAL} rejected the CHAP user/password for target ${SECURE.replace(/\./g, '\\.')}: .*\\(--chap-user, --chap-password-file\\)$`));
    expect((e as Error).message).not.toContain('wrong-pw');
    expect(await readdir(dir)).toEqual([]);
  });

  test('the target list names the QNAP model and target, the LUN sizes, and which need CHAP', async () => {
    const h = harness({ ...base, 'iscsi-target': BACKUP, chap: false }, { targets: nas });
    expect(await runInit(opts(), h.deps)).toBe(0);
    const choices = (h.prompts.questions('iscsi-target')[0] as { choices: { name: string }[] }).choices.map((c) => c.name);
    expect(choices).toEqual([
      `QNAP ts-569pro, target "backuprbme" (id d70ea1): LUN 1 1.0 TiB  ${BACKUP}`,
      `QNAP ts-569pro, target "secure" (id a1b2c3) [needs CHAP]  ${SECURE}`,
    ]);
    expect(h.prompts.questions('chap')[0]).toMatchObject({ default: false });
  });
});

const target = (problem?: string, chap?: DiscoveryTarget['chap']): DiscoveryTarget => ({
  target: SECURE, parts: describeIqn(SECURE), portals: [], ...(problem === undefined ? { luns: [{ lun: 1, type: 'DIRECT_ACCESS', bytes: 5, exact: true }] } : {}), ...(problem !== undefined && { problem }),
  ...(chap !== undefined && { chap }),
});

describe('what discovery says about CHAP, as the wizard reads it', () => {
  test.each([
    { why: 'listed', problem: undefined, chap: undefined, needsChap: false, rejected: false },
    { why: 'CHAP required', problem: `${PORTAL} requires CHAP for target ${SECURE}: give ...`, chap: 'required' as const, needsChap: true, rejected: false },
    { why: 'CHAP refused', problem: `${PORTAL} rejected the CHAP user/password for target ${SECURE}: check ...`, chap: 'rejected' as const, needsChap: true, rejected: true },
    // iscsi-ls gave up at another target: this one is not known to need CHAP.
    { why: 'not listed after another target', problem: 'LUNs not listed: iscsi-ls stops at the first target that refuses the login; list again with that target\'s CHAP credentials', chap: undefined, needsChap: false, rejected: false },
    { why: 'libiscsi missing', problem: 'LUNs not listed: install libiscsi-bin on the host (apt install libiscsi-bin) to see LUN numbers and sizes', chap: undefined, needsChap: false, rejected: false },
  ])('$why', ({ problem, chap, needsChap, rejected }) => {
    const f = foundTarget(target(problem, chap), PORTAL);
    expect(f.needsChap).toBe(needsChap);
    expect(f.chapRejected === true).toBe(rejected);
    expect(f.luns).toEqual(problem === undefined ? [{ lun: 1, bytes: 5 }] : []);
  });
});
