/**
 * The iSCSI step of the guard with the real iscsiadm. This kernel has no iSCSI initiator
 * (no iscsi_tcp, no NETLINK_ISCSI, no module loading), so a login can never succeed here:
 * what runs for real is "no session" detection (exit 21) and the refused login with the
 * message the admin gets. The successful-login path is covered by the QEMU scenario bed;
 * the login decision itself is unit-tested in test/unit/runtime-periphery/iscsi-session.test.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { run, type ExecResult } from '../../../runtime/exec.ts';
import { ensureDestination } from '../../../runtime/guard.ts';
import { ensureIscsiSession, listIscsiSessions } from '../../../runtime/iscsi.ts';
import { hasCommand, commandNote } from '../../support/needs.ts';
import { memoryLogger } from './support/memory-logger.ts';

const TARGET = `iqn.2004-04.com.qnap:ts-569pro:iscsi.linkdest-test-${process.pid}`;
const PORTAL = '127.0.0.1:3260';

describe.skipIf(!hasCommand('iscsiadm'))(`iSCSI session step with the real iscsiadm (no kernel initiator here)${commandNote('iscsiadm')}`, () => {
  test('no sessions: iscsiadm exits 21 and that reads as an empty list', async () => {
    const r = await run(['iscsiadm', '-m', 'session']);
    expect(r.code).toBe(21);
    expect(await listIscsiSessions()).toEqual([]);
  });

  test('login refused (no node record for the target): one-line guard error naming what to check', async () => {
    const log = memoryLogger();
    const e = await ensureIscsiSession({ portals: [PORTAL], target: TARGET, lun: 0 }, log, { deviceTimeoutMs: 100 })
      .then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(LinkdestError);
    expect((e as LinkdestError).step).toBe('guard');
    expect((e as LinkdestError).message).toBe(
      `cannot log in to iSCSI target ${TARGET} (${PORTAL}: iscsiadm: No records found); check that the NAS is on, the node record exists (iscsiadm -m node) and CHAP credentials`);
    expect(log.lines).toContain(`info iSCSI: no session to ${TARGET} on ${PORTAL}; logging in`);
  });

  test('the guard stops at the iSCSI step and never looks at (or writes to) the destination', async () => {
    const dest = await mkdtemp(join(tmpdir(), 'linkdest-iscsi-dest-'));
    try {
      const cfg = parseRuntimeConfig({
        destination: { path: dest, mount: { kind: 'none' }, iscsi: { portals: [PORTAL], target: TARGET, lun: 0 } },
        sources: [{ path: '/srv' }],
      });
      await expect(ensureDestination(cfg, memoryLogger(), { iscsi: { deviceTimeoutMs: 100 } })).rejects.toThrow(/cannot log in to iSCSI target/);
      expect(await readdir(dest)).toEqual([]);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });
});

describe('iSCSI session already up (iscsiadm output as a real initiator prints it)', () => {
  // Replaying iscsiadm is the only way to reach this branch on a kernel without an initiator.
  const calls: string[][] = [];
  const recorded = async (argv: string[]): Promise<ExecResult> => {
    calls.push(argv);
    return { code: 0, stdout: `tcp: [1] ${PORTAL},1 ${TARGET} (non-flash)\n`, stderr: '' };
  };

  test('no login is attempted, and a LUN node that never appears is reported with its path', async () => {
    const e = await ensureIscsiSession({ portals: [PORTAL], target: TARGET, lun: 3 }, memoryLogger(), { exec: recorded, deviceTimeoutMs: 300 })
      .then(() => undefined, (err: unknown) => err);
    expect(calls).toEqual([['iscsiadm', '-m', 'session']]);
    expect((e as LinkdestError).message).toBe(
      `iSCSI session to ${TARGET} is up but /dev/disk/by-path/ip-${PORTAL}-iscsi-${TARGET}-lun-3 did not appear; check the LUN number (3) and udev`);
  });
});
