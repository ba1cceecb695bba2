/**
 * The kernel iSCSI path this machine cannot run (no iscsi_tcp, no module loading), proven
 * in a QEMU guest with a real Linux kernel against a real tgtd "QNAP": SendTargets
 * discovery, CHAP login (a wrong secret refused), the by-path device udev creates, a filesystem on it, and the session
 * coming back by itself after a reboot. This also proves the VM harness the provisioning
 * scenario (iscsi-provision.test.ts) builds on.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureVmImage } from './image.ts';
import { startNas, type Nas } from './nas.ts';
import { bootGuest, type Guest } from './qemu.ts';
import { vmSkipReason } from './skip.ts';

const skip = vmSkipReason();
const CHAP = { user: 'linkdest', password: `vm-${randomBytes(6).toString('hex')}` };

describe.skipIf(skip !== undefined)(`kernel iSCSI login in a QEMU guest${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let nas: Nas | undefined;
  let guest: Guest | undefined;
  let byPath = '';

  beforeAll(async () => {
    const image = await ensureVmImage((line) => console.log(line));
    nas = await startNas({ sizeMiB: 256, chap: CHAP });
    guest = await bootGuest({ image, guestfwd: [nas.guestfwd] });
    byPath = `/dev/disk/by-path/ip-${nas.portal}-iscsi-${nas.iqn}-lun-${nas.lun}`;
    console.log(`vm: guest reached ssh after ${guest.bootSeconds[0]} s`);
  });

  afterAll(async () => {
    await guest?.stop();
    await nas?.stop();
  });

  const g = () => {
    if (!guest || !nas) throw new Error('vm: guest not booted');
    return { guest, nas };
  };
  /** Polls in the guest, so the wait costs one ssh round trip, not one per try. */
  const waitInGuest = (test: string[], seconds: number) =>
    g().guest.exec(['sh', '-c', 'i=0; until "$@"; do i=$((i+1)); [ $i -ge $0 ] && exit 1; sleep 0.5; done',
      String(seconds * 2), ...test], { allowFail: true });

  const setChap = async (user: string, password: string) => {
    const { guest, nas } = g();
    for (const [name, value] of [['authmethod', 'CHAP'], ['username', user], ['password', password]] as const) {
      await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '-o', 'update',
        '-n', `node.session.auth.${name}`, '-v', value]);
    }
  };

  test('SendTargets discovery advertises the portal the guest reaches the target at', async () => {
    const { guest, nas } = g();
    const found = await guest.exec(['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', nas.portal.split(':')[0] ?? '']);
    expect(found.stdout.trim().split('\n')).toContain(`${nas.portal},1 ${nas.iqn}`);
  });

  test('login is refused with a wrong CHAP secret', async () => {
    const { guest, nas } = g();
    await setChap(CHAP.user, 'not-the-secret');
    const refused = await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '--login'], { allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/authorization failure/i);
  });

  test('login makes the LUN a block device that takes a partition and an ext4 filesystem', async () => {
    const { guest, nas } = g();
    await setChap(CHAP.user, CHAP.password);
    await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '--login']);
    expect((await waitInGuest(['test', '-b', byPath], 30)).code, `${byPath} never appeared`).toBe(0);
    await guest.exec(['parted', '-s', byPath, 'mklabel', 'gpt', 'mkpart', 'backup', 'ext4', '1MiB', '100%']);
    expect((await waitInGuest(['test', '-b', `${byPath}-part1`], 30)).code, 'partition link never appeared').toBe(0);
    await guest.exec(['mkfs.ext4', '-q', '-L', 'vmbackup', `${byPath}-part1`]);
    await guest.exec(['mkdir', '-p', '/mnt/lun']);
    await guest.exec(['mount', `${byPath}-part1`, '/mnt/lun']);
    await guest.exec(['sh', '-c', 'echo kept-across-reboot > /mnt/lun/proof && umount /mnt/lun']);
    const blk = await guest.exec(['lsblk', '-drno', 'TRAN,SIZE', byPath]);
    expect(blk.stdout.trim()).toBe('iscsi 256M');
  });

  test('with node.startup=automatic the session and the data are back after a reboot', async () => {
    const { guest, nas } = g();
    await guest.exec(['iscsiadm', '-m', 'node', '-T', nas.iqn, '-p', nas.portal, '-o', 'update',
      '-n', 'node.startup', '-v', 'automatic']);
    await guest.exec(['systemctl', 'enable', 'iscsid.service', 'open-iscsi.service']);
    await guest.reboot();
    console.log(`vm: guest back on ssh ${guest.bootSeconds[1]} s after reboot`);
    const sessions = await guest.exec(['iscsiadm', '-m', 'session']);
    expect(sessions.stdout).toContain(`${nas.portal},1 ${nas.iqn}`);
    expect((await waitInGuest(['test', '-b', `${byPath}-part1`], 30)).code).toBe(0);
    await guest.exec(['mount', '-o', 'ro', `${byPath}-part1`, '/mnt/lun']);
    expect((await guest.exec(['cat', '/mnt/lun/proof'])).stdout.trim()).toBe('kept-across-reboot');
    await guest.exec(['umount', '/mnt/lun']);
    expect((await guest.exec(['systemctl', '--failed', '--no-legend', '--plain'])).stdout.trim()).toBe('');
  }, 600_000);
});
